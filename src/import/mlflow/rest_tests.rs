//! Unit tests of the REST reader's URL and credential handling.
#[test]
fn a_user_and_password_in_the_uri_become_basic_authorization() {
    let (base, authorization) = super::split_user_info("https://ada:s%40cret@mlflow.example.com/x");
    assert_eq!(base, "https://mlflow.example.com/x");
    assert_eq!(authorization.as_deref(), Some("Basic YWRhOnNAY3JldA=="));
    assert_eq!(
        super::split_user_info("http://host:5000"),
        ("http://host:5000".to_owned(), None)
    );
}

#[test]
fn credentials_come_from_mlflows_variables() {
    let vars = |pairs: &'static [(&'static str, &'static str)]| {
        move |name: &str| {
            pairs
                .iter()
                .find(|(k, _)| *k == name)
                .map(|(_, v)| (*v).to_owned())
        }
    };
    assert_eq!(
        super::env_credentials(vars(&[("MLFLOW_TRACKING_TOKEN", "t0k")])).as_deref(),
        Some("Bearer t0k")
    );
    let basic = super::env_credentials(vars(&[
        ("MLFLOW_TRACKING_USERNAME", "ada"),
        ("MLFLOW_TRACKING_PASSWORD", "s3cret"),
    ]));
    assert_eq!(basic.as_deref(), Some("Basic YWRhOnMzY3JldA=="));
    assert_eq!(super::env_credentials(vars(&[])), None);
}
