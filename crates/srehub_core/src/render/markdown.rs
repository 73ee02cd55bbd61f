use std::io::Write;

use super::{marker, place};
use crate::Report;

/// Escapes text for a Markdown table cell.
fn cell(s: &str) -> String {
    s.replace('\\', "\\\\")
        .replace('|', "\\|")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('\n', "<br>")
}

pub(super) fn render(r: &Report, out: &mut dyn Write) -> std::io::Result<()> {
    writeln!(out, "# srehub {} report\n", r.tool)?;
    if let Some(t) = &r.target {
        writeln!(out, "Target: `{}`  ", t.replace('`', "'"))?;
    }
    writeln!(
        out,
        "Generated: {}\n",
        r.generated_at.strftime("%Y-%m-%d %H:%M:%S UTC")
    )?;
    let s = &r.summary;
    write!(out, "| Critical | Warning | Info | Checks run |")?;
    if s.score.is_some() {
        write!(out, " Score |")?;
    }
    write!(out, "\n|---:|---:|---:|---:|")?;
    if s.score.is_some() {
        write!(out, "---:|")?;
    }
    write!(
        out,
        "\n| {} | {} | {} | {} |",
        s.critical, s.warning, s.info, s.checks_run
    )?;
    if let Some(score) = s.score {
        write!(out, " {score}/100 |")?;
    }
    writeln!(out, "\n")?;
    if r.findings.is_empty() {
        writeln!(out, "No findings.")?;
    } else {
        writeln!(out, "## Findings\n")?;
        writeln!(out, "| Severity | Check | Where | Message | Hint |")?;
        writeln!(out, "|---|---|---|---|---|")?;
        for f in &r.findings {
            writeln!(
                out,
                "| {} {} | `{}` {} | {} | {} | {} |",
                marker(f.severity),
                f.severity,
                f.check,
                cell(&f.name),
                cell(&place(f)),
                cell(&f.message),
                cell(f.hint.as_deref().unwrap_or("")),
            )?;
        }
    }
    if !r.notes.is_empty() {
        writeln!(out, "\n## Notes\n")?;
        for n in &r.notes {
            writeln!(out, "- {}", n.message.replace('\n', " "))?;
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use crate::render::{Format, RenderOptions, render_to_string, sample};

    #[test]
    fn markdown_snapshot() {
        insta::assert_snapshot!(
            render_to_string(
                &sample::report(),
                Format::Markdown,
                &RenderOptions::default()
            )
            .unwrap()
        );
    }
}
