//! The `omgreg` binary: a thin shell over the library (see `omgreg::cli`).

fn main() -> std::process::ExitCode {
    omgreg::cli::main()
}
