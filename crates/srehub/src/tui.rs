//! Live terminal views (ratatui): `srehub logs templates --follow` shows templates with their rates as
//! lines arrive. The terminal is restored when the view ends, on `q`, Esc or Ctrl-C, and on a panic
//! (ratatui's hook).

use std::collections::HashMap;
use std::io;
use std::ops::ControlFlow;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

use ratatui::DefaultTerminal;
use ratatui::crossterm::event::{self, Event, KeyCode, KeyEventKind, KeyModifiers};
use ratatui::layout::{Constraint, Layout};
use ratatui::style::{Modifier, Style};
use ratatui::text::Line;
use ratatui::widgets::{Block, Paragraph, Row, Table};
use srehub_logs::drain::Miner;

/// Sets the returned flag on the first Ctrl-C (SIGINT) or SIGTERM; a second one exits at once
/// (status 130), so a run stuck flushing to a dead downstream can still be ended.
pub fn stop_flag() -> Arc<AtomicBool> {
    let stop = Arc::new(AtomicBool::new(false));
    let flag = stop.clone();
    let spawned = std::thread::Builder::new()
        .name("signals".into())
        .spawn(move || {
            let Ok(rt) = tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()
            else {
                return;
            };
            rt.block_on(async {
                let Ok(mut term) =
                    tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate())
                else {
                    return;
                };
                for _ in 0..2 {
                    tokio::select! {
                        _ = tokio::signal::ctrl_c() => {}
                        _ = term.recv() => {}
                    }
                    if flag.swap(true, Ordering::SeqCst) {
                        std::process::exit(130);
                    }
                }
            });
        });
    if spawned.is_err() {
        tracing::warn!("cannot watch for Ctrl-C; stop with SIGKILL");
    }
    stop
}

/// The live template view.
pub struct TemplatesView {
    terminal: DefaultTerminal,
    title: String,
    started: Instant,
    last: Instant,
    last_records: u64,
    /// Records per second, smoothed.
    rate: f64,
    /// Per template id: count at the last refresh and smoothed rate.
    seen: HashMap<String, (u64, f64)>,
}

impl TemplatesView {
    pub fn start(title: String) -> TemplatesView {
        let now = Instant::now();
        TemplatesView {
            terminal: ratatui::init(),
            title,
            started: now,
            last: now,
            last_records: 0,
            rate: 0.0,
            seen: HashMap::new(),
        }
    }

    /// Handles pending keys and redraws; `Break` when the user quits.
    pub fn tick(&mut self, miner: &Miner, records: u64) -> io::Result<ControlFlow<()>> {
        while event::poll(Duration::ZERO)? {
            if let Event::Key(k) = event::read()?
                && k.kind == KeyEventKind::Press
                && (matches!(k.code, KeyCode::Char('q') | KeyCode::Esc)
                    || (k.code == KeyCode::Char('c')
                        && k.modifiers.contains(KeyModifiers::CONTROL)))
            {
                return Ok(ControlFlow::Break(()));
            }
        }
        let now = Instant::now();
        let dt = now.duration_since(self.last).as_secs_f64();
        if dt < 0.5 && records > 0 {
            return Ok(ControlFlow::Continue(()));
        }
        self.last = now;
        let smooth = |old: f64, inst: f64| {
            if old == 0.0 {
                inst
            } else {
                0.5 * old + 0.5 * inst
            }
        };
        let per_s = |delta: u64| if dt > 0.0 { delta as f64 / dt } else { 0.0 };
        self.rate = smooth(self.rate, per_s(records - self.last_records));
        self.last_records = records;
        let mut rows: Vec<(f64, u64, String, String)> = Vec::new();
        let mut seen = HashMap::with_capacity(self.seen.len());
        for t in miner.templates() {
            let id = t.id().to_string();
            let count = t.variant.count;
            let (prev, old_rate) = self.seen.get(&id).copied().unwrap_or((0, 0.0));
            let rate = smooth(old_rate, per_s(count.saturating_sub(prev)));
            seen.insert(id.clone(), (count, rate));
            rows.push((rate, count, id, t.text()));
        }
        self.seen = seen;
        rows.sort_by(|a, b| b.0.total_cmp(&a.0).then(b.1.cmp(&a.1)));
        let header = format!(
            " {} · {} records · {:.0}/s · {} templates{} · {}s",
            self.title,
            records,
            self.rate,
            rows.len(),
            if miner.evicted() > 0 {
                format!(" ({} evicted)", miner.evicted())
            } else {
                String::new()
            },
            self.started.elapsed().as_secs()
        );
        let total = records.max(1) as f64;
        self.terminal.draw(|f| {
            let [top, body, foot] = Layout::vertical([
                Constraint::Length(1),
                Constraint::Min(1),
                Constraint::Length(1),
            ])
            .areas(f.area());
            f.render_widget(
                Paragraph::new(Line::from(header)).style(Style::new().add_modifier(Modifier::BOLD)),
                top,
            );
            let visible = usize::from(body.height.saturating_sub(3));
            let table = Table::new(
                rows.iter().take(visible).map(|(rate, count, id, text)| {
                    Row::new(vec![
                        id.clone(),
                        format!("{rate:.1}"),
                        count.to_string(),
                        format!("{:.1}%", *count as f64 * 100.0 / total),
                        text.clone(),
                    ])
                }),
                [
                    Constraint::Length(10),
                    Constraint::Length(9),
                    Constraint::Length(10),
                    Constraint::Length(7),
                    Constraint::Min(20),
                ],
            )
            .header(
                Row::new(vec!["ID", "RATE/s", "COUNT", "SHARE", "TEMPLATE"])
                    .style(Style::new().add_modifier(Modifier::REVERSED)),
            )
            .block(Block::bordered().title(" templates, busiest first "));
            f.render_widget(table, body);
            f.render_widget(
                Paragraph::new("q / Esc / Ctrl-C: stop and print the templates"),
                foot,
            );
        })?;
        Ok(ControlFlow::Continue(()))
    }

    pub fn end(self) {
        drop(self.terminal);
        ratatui::restore();
    }
}
