use srehub_core::{Check, Finding, Findings};

use super::LogsInput;

srehub_core::declare_check! {
    /// ## What it checks
    /// More than 1 % of the lines did not parse in the format detected for their stream (or given with
    /// `--format`/`--pattern`): they were kept as plain text.
    ///
    /// ## Why it matters
    /// Unparsed lines lose their level, time and fields: they escape level filters, time buckets and
    /// trace correlation, so the analysis undercounts what they say. Often they are stack traces or a
    /// second format mixed into the stream.
    ///
    /// ## How to fix
    /// Give the format explicitly (`--format`, or `--pattern` for a custom layout), or make the
    /// application log one structured record per line (stack traces inside the record).
    LOG006 UnparsedLines { name: "unparsed-lines", severity: Info, category: BestPractice, group: "logs" }
}

impl Check<LogsInput<'_>> for UnparsedLines {
    fn run(&self, input: &LogsInput<'_>, out: &mut Findings) {
        if input.lines == 0 || input.unparsed * 100 <= input.lines {
            return;
        }
        out.push(Finding::new(
            &Self::META,
            format!(
                "{} of {} lines ({:.1} %) did not parse in the detected format",
                input.unparsed,
                input.lines,
                100.0 * input.unparsed as f64 / input.lines as f64
            ),
        ));
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::logs::LogsSettings;
    use crate::logs::testing::summary;

    #[test]
    fn more_than_one_percent_unparsed_is_reported() {
        let s = summary(vec![], vec![]);
        let settings = LogsSettings::default();
        let streams = vec![];
        let run = |unparsed| {
            let input = LogsInput {
                summary: &s,
                settings: &settings,
                streams: &streams,
                lines: 1000,
                unparsed,
            };
            let mut out = Findings::default();
            UnparsedLines.run(&input, &mut out);
            out.into_vec()
        };
        assert!(run(10).is_empty());
        assert_eq!(
            run(50)[0].message,
            "50 of 1000 lines (5.0 %) did not parse in the detected format"
        );
    }
}
