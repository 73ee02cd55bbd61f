use std::io::Write;

use comfy_table::{Attribute, Cell, Color, ContentArrangement, Table, presets};

use super::{RenderOptions, marker, place, summary_line};
use crate::{Report, Severity};

fn color(s: Severity) -> Color {
    match s {
        Severity::Critical => Color::Red,
        Severity::Warning => Color::Yellow,
        Severity::Info => Color::Blue,
    }
}

pub(super) fn render(r: &Report, opts: &RenderOptions, out: &mut dyn Write) -> std::io::Result<()> {
    if r.findings.is_empty() {
        writeln!(out, "✔ No findings ({} checks run).", r.summary.checks_run)?;
    } else {
        let mut t = Table::new();
        t.load_style(presets::NOTHING);
        if opts.color {
            t.enforce_styling();
        } else {
            t.force_no_tty();
        }
        match opts.width {
            Some(w) => {
                t.set_width(w);
                t.set_content_arrangement(ContentArrangement::Dynamic);
            }
            None => {
                t.set_content_arrangement(ContentArrangement::Disabled);
            }
        }
        let where_header = if r.findings.iter().any(|f| f.location.is_some()) {
            "WHERE"
        } else {
            "RESOURCE"
        };
        t.set_header(
            ["SEVERITY", "CHECK", where_header, "MESSAGE"]
                .into_iter()
                .map(|h| Cell::new(h).add_attribute(Attribute::Bold)),
        );
        for f in &r.findings {
            let mut message = f.message.clone();
            if let Some(h) = &f.hint {
                message.push_str("\n→ ");
                message.push_str(h);
            }
            t.add_row(vec![
                Cell::new(format!("{} {}", marker(f.severity), f.severity)).fg(color(f.severity)),
                Cell::new(&f.check),
                Cell::new(place(f)),
                Cell::new(message),
            ]);
        }
        // comfy-table pads every line; trailing blanks only get in the way of diffs and copy-paste.
        for line in t.to_string().lines() {
            writeln!(out, "{}", line.trim_end())?;
        }
        writeln!(out)?;
        writeln!(out, "{}", summary_line(r))?;
    }
    for n in &r.notes {
        writeln!(out, "note: {}", n.message)?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use crate::render::{Format, RenderOptions, render_to_string, sample};

    #[test]
    fn table_snapshot() {
        let opts = RenderOptions {
            width: Some(120),
            ..RenderOptions::default()
        };
        insta::assert_snapshot!(render_to_string(&sample::report(), Format::Table, &opts).unwrap());
    }

    #[test]
    fn table_colour_only_when_asked() {
        let plain =
            render_to_string(&sample::report(), Format::Table, &RenderOptions::default()).unwrap();
        assert!(!plain.contains('\u{1b}'));
        let opts = RenderOptions {
            color: true,
            ..RenderOptions::default()
        };
        let coloured = render_to_string(&sample::report(), Format::Table, &opts).unwrap();
        assert!(coloured.contains("\u{1b}["), "{coloured}");
    }

    #[test]
    fn empty_report_says_clean() {
        let mut r = sample::report();
        r.findings.clear();
        r.notes.clear();
        r.recount();
        let s = render_to_string(&r, Format::Table, &RenderOptions::default()).unwrap();
        assert_eq!(s, "✔ No findings (4 checks run).\n");
    }
}
