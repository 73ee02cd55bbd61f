//! JUnit XML: one test case per check that ran, one `<failure>` per finding.

use std::io::Write;

use quick_xml::Writer;
use quick_xml::events::{BytesDecl, BytesEnd, BytesStart, BytesText, Event};

use super::place;
use crate::{Error, Finding, Report};

pub(super) fn render(r: &Report, out: &mut dyn Write) -> Result<(), Error> {
    // The test cases: the checks that ran, then any check that only appears in findings.
    let mut cases: Vec<(String, String, String)> = r
        .checks
        .iter()
        .map(|m| (m.code.to_string(), m.name.to_string(), m.group.to_string()))
        .collect();
    for f in &r.findings {
        if !cases.iter().any(|(c, _, _)| *c == f.check) {
            cases.push((f.check.clone(), f.name.clone(), String::new()));
        }
    }
    let failures = r.findings.len().to_string();
    let tests = cases.len().to_string();
    let suite = format!("srehub.{}", r.tool);
    let ts = r.generated_at.strftime("%Y-%m-%dT%H:%M:%S").to_string();

    let mut w = Writer::new_with_indent(out, b' ', 2);
    let io = |e: std::io::Error| Error::Write(e);
    w.write_event(Event::Decl(BytesDecl::new("1.0", Some("UTF-8"), None)))
        .map_err(io)?;
    let mut suites = BytesStart::new("testsuites");
    suites.push_attribute(("name", format!("srehub {}", r.tool).as_str()));
    suites.push_attribute(("tests", tests.as_str()));
    suites.push_attribute(("failures", failures.as_str()));
    suites.push_attribute(("errors", "0"));
    w.write_event(Event::Start(suites)).map_err(io)?;
    let mut s = BytesStart::new("testsuite");
    s.push_attribute(("name", suite.as_str()));
    s.push_attribute(("tests", tests.as_str()));
    s.push_attribute(("failures", failures.as_str()));
    s.push_attribute(("errors", "0"));
    s.push_attribute(("skipped", "0"));
    s.push_attribute(("timestamp", ts.as_str()));
    if let Some(t) = &r.target {
        s.push_attribute(("hostname", t.as_str()));
    }
    w.write_event(Event::Start(s)).map_err(io)?;
    for (code, name, group) in &cases {
        let classname = if group.is_empty() {
            suite.clone()
        } else {
            format!("{suite}.{group}")
        };
        let mut tc = BytesStart::new("testcase");
        tc.push_attribute(("classname", classname.as_str()));
        tc.push_attribute(("name", format!("{code} {name}").as_str()));
        let mine: Vec<&Finding> = r.findings.iter().filter(|f| f.check == *code).collect();
        if mine.is_empty() {
            w.write_event(Event::Empty(tc)).map_err(io)?;
            continue;
        }
        w.write_event(Event::Start(tc)).map_err(io)?;
        for f in mine {
            let mut fe = BytesStart::new("failure");
            fe.push_attribute(("type", f.severity.as_str()));
            fe.push_attribute(("message", f.message.as_str()));
            w.write_event(Event::Start(fe)).map_err(io)?;
            let mut body = format!("{}: {}", f.severity, f.message);
            let p = place(f);
            if !p.is_empty() {
                body.push_str(&format!("\nat: {p}"));
            }
            if let Some(h) = &f.hint {
                body.push_str(&format!("\nhint: {h}"));
            }
            w.write_event(Event::Text(BytesText::new(&body)))
                .map_err(io)?;
            w.write_event(Event::End(BytesEnd::new("failure")))
                .map_err(io)?;
        }
        w.write_event(Event::End(BytesEnd::new("testcase")))
            .map_err(io)?;
    }
    w.write_event(Event::End(BytesEnd::new("testsuite")))
        .map_err(io)?;
    w.write_event(Event::End(BytesEnd::new("testsuites")))
        .map_err(io)?;
    w.get_mut().write_all(b"\n")?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use crate::render::{Format, RenderOptions, render_to_string, sample};

    #[test]
    fn junit_parses_as_xml_with_one_case_per_check() {
        let xml =
            render_to_string(&sample::report(), Format::Junit, &RenderOptions::default()).unwrap();
        let doc = roxmltree::Document::parse(&xml).expect("JUnit output is well-formed XML");
        let cases: Vec<_> = doc
            .descendants()
            .filter(|n| n.has_tag_name("testcase"))
            .collect();
        assert_eq!(cases.len(), 4);
        let failures: Vec<_> = doc
            .descendants()
            .filter(|n| n.has_tag_name("failure"))
            .collect();
        assert_eq!(failures.len(), 3);
        let crash = failures
            .iter()
            .find(|f| f.attribute("type") == Some("critical"))
            .unwrap();
        assert!(
            crash
                .attribute("message")
                .unwrap()
                .contains("<worker> & \"sidecar\"")
        );
        let clean = cases
            .iter()
            .find(|c| c.attribute("name").unwrap().starts_with("K8S001"))
            .unwrap();
        assert_eq!(clean.children().filter(|n| n.is_element()).count(), 0);
    }

    #[test]
    fn junit_snapshot() {
        insta::assert_snapshot!(
            render_to_string(&sample::report(), Format::Junit, &RenderOptions::default()).unwrap()
        );
    }
}
