use super::*;

#[test]
fn formats_follow_the_template_name() {
    assert_eq!(
        Format::of_template("templates/model_card.md.j2"),
        Format::Markdown
    );
    assert_eq!(Format::of_template("deploy.json.j2"), Format::Json);
    assert_eq!(
        Format::of_template("templates/kserve.yaml.j2"),
        Format::Yaml
    );
    assert_eq!(
        Format::of_template("(built-in endpoint template)"),
        Format::Yaml
    );
}

#[test]
fn ordinary_markdown_values_are_unchanged() {
    for text in [
        "val_loss",
        "churn@1.0.0",
        "1.0.0-rc.1+build.5",
        "2026-01-02T03:04:05Z",
        "Predicts churn (monthly); see the wiki, section 2.",
        "growth-ml, Ada Lovelace",
        "R&D team: 30% faster!",
    ] {
        assert_eq!(markdown(text), text);
    }
    assert_eq!(
        markdown("Ada Lovelace <ada@example.com>"),
        "Ada Lovelace &lt;ada@example.com&gt;"
    );
}

#[test]
fn markdown_values_cannot_start_markup() {
    assert_eq!(markdown("a|b\nc"), "a\\|b c");
    assert_eq!(markdown("<script>"), "&lt;script&gt;");
    assert_eq!(
        markdown("`x` *y* [l](u) \\ ~z~"),
        "\\`x\\` \\*y\\* \\[l\\](u) \\\\ \\~z\\~"
    );
    assert_eq!(markdown("_em_ a_b"), "\\_em\\_ a_b");
    assert_eq!(markdown("# h"), "\\# h");
    assert_eq!(markdown("- item"), "\\- item");
    assert_eq!(markdown("1. item"), "1\\. item");
    assert_eq!(markdown("1.0.0"), "1.0.0");
    assert_eq!(markdown("a\u{2028}b\rc"), "a b c");
}

#[test]
fn code_spans_stay_one_span() {
    assert_eq!(code_span("team=growth"), "`team=growth`");
    assert_eq!(code_span("a`b"), "``a`b``");
    assert_eq!(code_span("`x"), "`` `x ``");
    assert_eq!(code_span("a|b\nc"), "`a\\|b c`");
}

#[test]
fn yaml_scalars_are_plain_only_when_safe() {
    for text in [
        "churn",
        "1.1.0",
        "2026-01-02T03:04:05Z",
        "s3://acme-models/churn/2.0.0/model.bin",
        "v2/config.json",
        "stage `Production`",
        "Ada Lovelace",
        "",
    ] {
        assert_eq!(yaml_scalar(text), text);
    }
    assert_eq!(yaml_scalar("w\nkind: Pod #"), "\"w\\nkind: Pod #\"");
    assert_eq!(yaml_scalar("a: b"), "\"a: b\"");
    assert_eq!(yaml_scalar("x\", evil: \"y"), "\"x\\\", evil: \\\"y\"");
    assert_eq!(yaml_scalar("- item"), "\"- item\"");
    assert_eq!(yaml_scalar("[a, b]"), "\"[a, b]\"");
    assert_eq!(yaml_scalar("a\u{2028}b"), "\"a\\u2028b\"");
    assert_eq!(yaml_scalar("*ref"), "\"*ref\"");
}

fn render(name: &str, source: &str, value: Value) -> String {
    environment()
        .render_named_str(name, source, minijinja::context! { v => value })
        .unwrap()
}

#[test]
fn templates_cannot_unescape_values() {
    let hostile = Value::from("<b>|x\nkind: Pod");
    for source in [
        "{{ v }}",
        "{{ v | safe }}",
        "{% autoescape false %}{{ v }}{% endautoescape %}",
        "{% set c %}{{ v }}{% endset %}{{ c }}",
    ] {
        assert_eq!(
            render("c.md.j2", source, hostile.clone()),
            "&lt;b&gt;\\|x kind: Pod"
        );
        assert_eq!(
            render("m.yaml.j2", source, hostile.clone()),
            "\"<b>|x\\nkind: Pod\""
        );
    }
    assert_eq!(
        render("m.json.j2", "{{ v }}", hostile),
        "\"<b>|x\\nkind: Pod\""
    );
    assert_eq!(
        render("c.md.j2", "{{ v | code }}", Value::from("a`b")),
        "``a`b``"
    );
    assert_eq!(
        render("m.yaml.j2", "{{ v }}", Value::from(vec!["a", "b\n"])),
        "[\"a\",\"b\\n\"]"
    );
    assert_eq!(
        render("m.yaml.j2", "{{ v }} {{ w }}", Value::from(2048)),
        "2048 "
    );
}

#[test]
fn terminal_text_shows_escapes_and_keeps_lines() {
    assert!(matches!(
        terminal("plain\ttext\n"),
        std::borrow::Cow::Borrowed(_)
    ));
    assert_eq!(terminal("a\u{1b}[31mred"), "a\\u{1b}[31mred");
    assert_eq!(terminal("x\u{202e}gpj.exe"), "x\\u{202e}gpj.exe");
    assert_eq!(terminal("bell\u{7}\r"), "bell\\u{7}\\u{d}");
    assert_eq!(terminal("zero\u{200b}width"), "zero\\u{200b}width");
    assert_eq!(terminal("ünïcödé ok"), "ünïcödé ok");
}
