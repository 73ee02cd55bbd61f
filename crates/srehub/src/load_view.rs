//! The live view of `srehub load` on a terminal (ratatui): elapsed time, requests, rate, errors and
//! in-flight requests, sparklines of throughput and errors per second, and last-second latency.
//! `q`, Esc or Ctrl-C stop the run early (the report still prints).

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

use ratatui::crossterm::event::{self, Event, KeyCode, KeyEventKind, KeyModifiers};
use ratatui::layout::{Constraint, Layout};
use ratatui::style::{Color, Style};
use ratatui::text::Line;
use ratatui::widgets::{Block, Paragraph, Sparkline};
use srehub_load::runner::Live;

/// Draws until `done` is set; stops the run on `q`, Esc or Ctrl-C.
pub fn show(live: Arc<Live>, title: String, planned: Option<Duration>, done: Arc<AtomicBool>) {
    let mut terminal = ratatui::init();
    let mut rps: Vec<u64> = Vec::new();
    let mut errs: Vec<u64> = Vec::new();
    let mut last_second = u64::MAX;
    let mut latency = (0.0, 0.0);
    while !done.load(Ordering::SeqCst) {
        if let Ok(true) = event::poll(Duration::from_millis(250))
            && let Ok(Event::Key(k)) = event::read()
            && k.kind == KeyEventKind::Press
            && (matches!(k.code, KeyCode::Char('q') | KeyCode::Esc)
                || (k.code == KeyCode::Char('c') && k.modifiers.contains(KeyModifiers::CONTROL)))
        {
            live.stop();
        }
        let elapsed = live.started.elapsed();
        let second = elapsed.as_secs();
        if second != last_second && second > 0 {
            last_second = second;
            if let Some((n, e, p50, p99)) = live.last_second() {
                rps.push(n);
                errs.push(e);
                latency = (p50, p99);
            }
        }
        let requests = live.requests.load(Ordering::Relaxed);
        let errors = live.errors.load(Ordering::Relaxed);
        let in_flight = live.in_flight.load(Ordering::Relaxed);
        let header = format!(
            " {title} · {:.0}s{} · {requests} requests · {} req/s · {errors} errors · {in_flight} in flight · p50 {:.2} ms · p99 {:.2} ms ",
            elapsed.as_secs_f64(),
            planned.map_or(String::new(), |p| format!(" of {}s", p.as_secs())),
            rps.last().copied().unwrap_or(0),
            latency.0,
            latency.1,
        );
        let _ = terminal.draw(|f| {
            let [top, a, b, help] = Layout::vertical([
                Constraint::Length(1),
                Constraint::Percentage(60),
                Constraint::Fill(1),
                Constraint::Length(1),
            ])
            .areas(f.area());
            f.render_widget(Paragraph::new(Line::from(header.clone())), top);
            let width = usize::from(a.width.saturating_sub(2));
            let tail = |v: &[u64]| v[v.len().saturating_sub(width)..].to_vec();
            f.render_widget(
                Sparkline::default()
                    .block(Block::bordered().title(" requests per second "))
                    .data(tail(&rps))
                    .style(Style::default().fg(Color::Cyan)),
                a,
            );
            f.render_widget(
                Sparkline::default()
                    .block(Block::bordered().title(" errors per second (no response or 5xx) "))
                    .data(tail(&errs))
                    .style(Style::default().fg(Color::Red)),
                b,
            );
            f.render_widget(
                Paragraph::new(" q: stop the run and print the report"),
                help,
            );
        });
    }
    ratatui::restore();
}
