//! Severity spellings normalized onto [`Level`].

use crate::record::Level;

/// Parses a level as written in logs, case-insensitively: `trace`/`trc`, `debug`/`dbg`/`D`,
/// `info`/`information`/`inf`/`I`, `notice`, `warn`/`warning`/`wrn`/`W`, `error`/`err`/`E`/`severe`,
/// `fatal`/`crit`/`critical`/`alert`/`emerg`/`panic`/`F`, Java's `FINE`/`FINER`/`FINEST`, syslog
/// severities `0`..`7` and the numeric levels of pino/bunyan (`10`..`60`).
///
/// Surrounding whitespace and brackets (`[WARN]`, `<error>`, `INFO:`) are ignored.
pub fn parse_level(s: &str) -> Option<Level> {
    // The usual spellings, as they are written, before the general path.
    match s {
        "info" | "INFO" => return Some(Level::Info),
        "debug" | "DEBUG" => return Some(Level::Debug),
        "warn" | "WARN" | "warning" | "WARNING" => return Some(Level::Warn),
        "error" | "ERROR" => return Some(Level::Error),
        "trace" | "TRACE" => return Some(Level::Trace),
        "fatal" | "FATAL" => return Some(Level::Fatal),
        _ => {}
    }
    let t = s
        .trim()
        .trim_end_matches(':')
        .trim_matches(|c| matches!(c, '[' | ']' | '<' | '>' | '(' | ')'))
        .trim();
    let b = t.as_bytes();
    if b.is_empty() || b.len() > 13 {
        return None;
    }
    if b.iter().all(u8::is_ascii_digit) {
        return t.parse::<i64>().ok().and_then(level_from_number);
    }
    let mut buf = [0u8; 13];
    let lower = &mut buf[..b.len()];
    lower.copy_from_slice(b);
    lower.make_ascii_lowercase();
    Some(match &*lower {
        b"trace" | b"trc" | b"finest" | b"verbose" | b"v" => Level::Trace,
        b"debug" | b"dbg" | b"d" | b"fine" | b"finer" => Level::Debug,
        b"info" | b"information" | b"informational" | b"inf" | b"i" => Level::Info,
        b"notice" => Level::Notice,
        b"warn" | b"warning" | b"wrn" | b"w" => Level::Warn,
        b"error" | b"err" | b"eror" | b"e" | b"severe" | b"dpanic" => Level::Error,
        b"fatal" | b"crit" | b"critical" | b"alert" | b"emerg" | b"emergency" | b"panic" | b"f" => {
            Level::Fatal
        }
        _ => return None,
    })
}

/// A numeric level: syslog severities `0`..=`7` or pino/bunyan levels `10`, `20` … `60`.
pub fn level_from_number(n: i64) -> Option<Level> {
    match n {
        0..=7 => Some(syslog_severity(n as u8)),
        10 => Some(Level::Trace),
        20 => Some(Level::Debug),
        30 => Some(Level::Info),
        40 => Some(Level::Warn),
        50 => Some(Level::Error),
        60 => Some(Level::Fatal),
        _ => None,
    }
}

/// The level of a syslog severity (`PRI & 7`, journald `PRIORITY`): 0–2 (emerg, alert, crit) are
/// [`Level::Fatal`], 3 error, 4 warn, 5 notice, 6 info, 7 (and anything larger) debug.
pub fn syslog_severity(n: u8) -> Level {
    match n {
        0..=2 => Level::Fatal,
        3 => Level::Error,
        4 => Level::Warn,
        5 => Level::Notice,
        6 => Level::Info,
        _ => Level::Debug,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn common_spellings_are_normalized() {
        for (s, l) in [
            ("TRACE", Level::Trace),
            ("trc", Level::Trace),
            ("debug", Level::Debug),
            ("DBG", Level::Debug),
            ("D", Level::Debug),
            ("FINE", Level::Debug),
            ("finer", Level::Debug),
            ("Info", Level::Info),
            ("INFORMATION", Level::Info),
            ("inf", Level::Info),
            ("I", Level::Info),
            ("notice", Level::Notice),
            ("WARN", Level::Warn),
            ("Warning", Level::Warn),
            ("wrn", Level::Warn),
            ("W", Level::Warn),
            ("ERROR", Level::Error),
            ("err", Level::Error),
            ("eror", Level::Error),
            ("E", Level::Error),
            ("SEVERE", Level::Error),
            ("FATAL", Level::Fatal),
            ("crit", Level::Fatal),
            ("Critical", Level::Fatal),
            ("alert", Level::Fatal),
            ("emerg", Level::Fatal),
            ("EMERGENCY", Level::Fatal),
            ("panic", Level::Fatal),
            ("F", Level::Fatal),
            (" [WARN] ", Level::Warn),
            ("INFO:", Level::Info),
        ] {
            assert_eq!(parse_level(s), Some(l), "{s}");
        }
    }

    #[test]
    fn syslog_and_pino_numbers() {
        let expected = [
            Level::Fatal,
            Level::Fatal,
            Level::Fatal,
            Level::Error,
            Level::Warn,
            Level::Notice,
            Level::Info,
            Level::Debug,
        ];
        for (n, l) in expected.iter().enumerate() {
            assert_eq!(parse_level(&n.to_string()), Some(*l));
            assert_eq!(syslog_severity(n as u8), *l);
        }
        assert_eq!(parse_level("30"), Some(Level::Info));
        assert_eq!(parse_level("50"), Some(Level::Error));
        assert_eq!(parse_level("8"), None);
        assert_eq!(syslog_severity(200), Level::Debug);
    }

    #[test]
    fn unknown_words_are_none() {
        for s in [
            "",
            "  ",
            "hello",
            "informative",
            "warnings",
            "99999999999999999999",
            "é",
        ] {
            assert_eq!(parse_level(s), None, "{s}");
        }
    }
}
