//! `cargo dev generate-all` and `cargo dev check-layering`.

use std::process::ExitCode;

fn main() -> ExitCode {
    let root = srehub_dev::workspace_root();
    let task = std::env::args().nth(1).unwrap_or_default();
    let result = match task.as_str() {
        "generate-all" => srehub_dev::generate_all(&root).map(|n| {
            eprintln!("{n} generated file(s) updated");
            true
        }),
        "check-layering" => srehub_dev::check_layering(&root).map(|problems| {
            for p in &problems {
                eprintln!("layering: {p}");
            }
            problems.is_empty()
        }),
        _ => {
            eprintln!("usage: cargo dev <generate-all|check-layering>");
            return ExitCode::from(2);
        }
    };
    match result {
        Ok(true) => ExitCode::SUCCESS,
        Ok(false) => ExitCode::FAILURE,
        Err(e) => {
            eprintln!("error: {e:#}");
            ExitCode::FAILURE
        }
    }
}
