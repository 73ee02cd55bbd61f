//! `--follow`: read every input at once and keep reading files as they grow, like `tail -F`: a file
//! that is truncated is read again from its start, a file that is replaced (rotated) is reopened by
//! name once the old one is read to its end. Standard input is read until it closes. Each input has a
//! reader thread; records reach the caller on its own thread, in arrival order, numbered in that
//! order, with a tick at least every `tick` for redrawing and flushing.

use std::fs::File;
use std::io::{self, Read, Seek, SeekFrom};
use std::ops::ControlFlow;
use std::os::unix::fs::MetadataExt;
use std::path::PathBuf;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::mpsc;
use std::time::{Duration, Instant};

use srehub_logs::Record;
use srehub_logs::formats::{FormatChoice, Parser};

use super::StreamSummary;
use super::input::{self, Input, LineReader};
use crate::Error;

/// How often a file at its end is checked for new data.
const POLL: Duration = Duration::from_millis(200);

/// A file read like `tail -F`: at its end, `read` waits for more data instead of returning 0, until
/// `stop` is set.
pub struct FollowFile {
    path: PathBuf,
    file: File,
    pos: u64,
    ino: u64,
    stop: Arc<AtomicBool>,
    poll: Duration,
}

impl FollowFile {
    pub fn open(path: PathBuf, stop: Arc<AtomicBool>) -> io::Result<FollowFile> {
        let file = File::open(&path)?;
        let ino = file.metadata()?.ino();
        Ok(FollowFile {
            path,
            file,
            pos: 0,
            ino,
            stop,
            poll: POLL,
        })
    }
}

impl Read for FollowFile {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        loop {
            let n = self.file.read(buf)?;
            if n > 0 {
                self.pos += n as u64;
                return Ok(n);
            }
            if self.stop.load(Ordering::Relaxed) {
                return Ok(0);
            }
            match std::fs::metadata(&self.path) {
                // Rotated: the name now points at a new file; the old one is read to its end.
                Ok(m) if m.ino() != self.ino => {
                    if let Ok(f) = File::open(&self.path) {
                        self.ino = f.metadata().map(|m| m.ino()).unwrap_or(m.ino());
                        self.file = f;
                        self.pos = 0;
                        continue;
                    }
                }
                // Truncated in place (copytruncate): start again from the beginning.
                Ok(m) if m.len() < self.pos => {
                    self.file.seek(SeekFrom::Start(0))?;
                    self.pos = 0;
                    continue;
                }
                // Removed and not yet recreated, or unchanged: wait.
                _ => {}
            }
            std::thread::sleep(self.poll);
        }
    }
}

/// Controls a follow run.
#[derive(Debug, Clone)]
pub struct FollowOptions {
    /// Set to end the run (Ctrl-C); readers stop at their next wait.
    pub stop: Arc<AtomicBool>,
    /// Longest time between two calls of `on_tick`.
    pub tick: Duration,
}

struct Line {
    stream: usize,
    bytes: Vec<u8>,
}

struct ReaderEnd {
    cut: u64,
    error: Option<String>,
}

/// Reads every input concurrently until `stop` is set, every input has ended (standard input closed,
/// a gzip file read to its end), or a callback breaks. Records are numbered in arrival order.
pub fn follow_records(
    inputs: &[Input],
    format: &FormatChoice,
    max_line: usize,
    opts: &FollowOptions,
    mut on_record: impl FnMut(u64, usize, &Record) -> ControlFlow<()>,
    mut on_tick: impl FnMut() -> ControlFlow<()>,
) -> Result<Vec<StreamSummary>, Error> {
    let (tx, rx) = mpsc::sync_channel::<Line>(8192);
    let mut handles = Vec::with_capacity(inputs.len());
    for (stream, inp) in inputs.iter().enumerate() {
        let raw: Box<dyn Read + Send> = match inp {
            Input::Stdin => Box::new(io::stdin()),
            Input::File(p) => Box::new(
                FollowFile::open(p.clone(), opts.stop.clone())
                    .map_err(|e| Error::Logs(format!("{}: cannot open: {e}", p.display())))?,
            ),
        };
        let tx = tx.clone();
        let is_stdin = matches!(inp, Input::Stdin);
        let inp = inp.clone();
        let handle = std::thread::Builder::new()
            .name(format!("follow-{stream}"))
            .spawn({
                let stop = opts.stop.clone();
                move || read_lines(stream, &inp, raw, max_line, &tx, &stop)
            })
            .map_err(|e| Error::Logs(format!("cannot start a reader thread: {e}")))?;
        // Standard input cannot be interrupted: its thread is left to end with the process.
        handles.push((is_stdin, handle));
    }
    drop(tx);
    let mut parsers: Vec<Parser> = inputs.iter().map(|_| Parser::new(format.clone())).collect();
    let mut batch = Vec::with_capacity(16);
    let mut seq = 0u64;
    let mut last_tick = Instant::now();
    // `on_record` broke (its output failed): nothing more is delivered. A stop from `on_tick` (the
    // user quit the view) or Ctrl-C still delivers what was already read.
    let mut stopped = false;
    'run: loop {
        if opts.stop.load(Ordering::Relaxed) {
            break;
        }
        match rx.recv_timeout(opts.tick) {
            Ok(line) => {
                let parser = &mut parsers[line.stream];
                seq += 1;
                parser.push_line(seq, &line.bytes, &mut batch);
                for rec in batch.drain(..) {
                    let flow = on_record(rec.line, line.stream, &rec);
                    parser.recycle(rec);
                    if flow.is_break() {
                        stopped = true;
                        break 'run;
                    }
                }
            }
            Err(mpsc::RecvTimeoutError::Timeout) => {}
            Err(mpsc::RecvTimeoutError::Disconnected) => break,
        }
        if last_tick.elapsed() >= opts.tick {
            last_tick = Instant::now();
            if on_tick().is_break() {
                break;
            }
        }
    }
    opts.stop.store(true, Ordering::Relaxed);
    // Lines already read are still delivered (the readers stop sending once `stop` is set).
    if !stopped {
        'drain: while let Ok(line) = rx.try_recv() {
            seq += 1;
            parsers[line.stream].push_line(seq, &line.bytes, &mut batch);
            for rec in batch.drain(..) {
                if on_record(rec.line, line.stream, &rec).is_break() {
                    stopped = true;
                    break 'drain;
                }
            }
        }
    }
    drop(rx);
    let mut summaries = Vec::with_capacity(inputs.len());
    for ((stream, (is_stdin, handle)), inp) in handles.into_iter().enumerate().zip(inputs) {
        let end = if is_stdin && !handle.is_finished() {
            None
        } else {
            handle.join().ok()
        };
        let parser = &mut parsers[stream];
        parser.finish(&mut batch);
        for rec in batch.drain(..) {
            if !stopped && on_record(rec.line, stream, &rec).is_break() {
                stopped = true;
            }
        }
        let end = end.unwrap_or(ReaderEnd {
            cut: 0,
            error: None,
        });
        summaries.push(StreamSummary {
            name: inp.name(),
            offset: 0,
            stats: parser.stats().clone(),
            cut_lines: end.cut,
            error: end.error,
        });
    }
    Ok(summaries)
}

fn read_lines(
    stream: usize,
    inp: &Input,
    raw: Box<dyn Read + Send>,
    max_line: usize,
    tx: &mpsc::SyncSender<Line>,
    stop: &AtomicBool,
) -> ReaderEnd {
    let reader = match input::open_reader(inp, raw) {
        Ok(r) => r,
        Err(e) => {
            return ReaderEnd {
                cut: 0,
                error: Some(e.to_string()),
            };
        }
    };
    let mut lines = LineReader::new(reader, max_line);
    let mut error = None;
    loop {
        match lines.next_line() {
            None => break,
            Some(Err(e)) => {
                error = Some(format!(
                    "{}: read error after line {}: {e}",
                    inp.name(),
                    lines.line_no
                ));
                break;
            }
            // Stopped: what is still unread stays unread (a big file must not be read to its end).
            Some(Ok(_)) if stop.load(Ordering::Relaxed) => break,
            Some(Ok(l)) => {
                let line = Line {
                    stream,
                    bytes: l.as_bytes().to_vec(),
                };
                if tx.send(line).is_err() {
                    break;
                }
            }
        }
    }
    ReaderEnd {
        cut: lines.truncated,
        error,
    }
}

#[cfg(test)]
mod tests {
    use std::io::Write;

    use super::*;

    fn opts() -> FollowOptions {
        FollowOptions {
            stop: Arc::new(AtomicBool::new(false)),
            tick: Duration::from_millis(50),
        }
    }

    #[test]
    fn appended_truncated_and_rotated_files_are_followed() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("app.log");
        std::fs::write(&path, "first line\nsecond ").unwrap();
        let o = opts();
        let stop = o.stop.clone();
        let p = path.clone();
        let writer = std::thread::spawn(move || {
            let pause = || std::thread::sleep(Duration::from_millis(400));
            pause();
            // The partial line is completed, not split.
            let mut f = std::fs::OpenOptions::new().append(true).open(&p).unwrap();
            f.write_all(b"line\nthird line\n").unwrap();
            drop(f);
            pause();
            // copytruncate: the file shrinks and starts again.
            std::fs::write(&p, "after truncate\n").unwrap();
            pause();
            // Rotation: renamed away, a new file under the same name.
            std::fs::rename(&p, p.with_extension("log.1")).unwrap();
            std::fs::write(&p, "in the new file\n").unwrap();
            pause();
            pause();
            stop.store(true, Ordering::Relaxed);
        });
        let mut got = Vec::new();
        let mut ticks = 0;
        let summaries = follow_records(
            &[Input::File(path)],
            &FormatChoice::Auto,
            1 << 20,
            &o,
            |seq, stream, rec| {
                got.push((seq, stream, rec.message.to_string()));
                ControlFlow::Continue(())
            },
            || {
                ticks += 1;
                ControlFlow::Continue(())
            },
        )
        .unwrap();
        writer.join().unwrap();
        let messages: Vec<&str> = got.iter().map(|(_, _, m)| m.as_str()).collect();
        assert_eq!(
            messages,
            [
                "first line",
                "second line",
                "third line",
                "after truncate",
                "in the new file"
            ]
        );
        assert_eq!(got.iter().map(|g| g.0).collect::<Vec<_>>(), [1, 2, 3, 4, 5]);
        assert!(ticks >= 10, "ticks while idle: {ticks}");
        assert_eq!(summaries.len(), 1);
        assert_eq!(summaries[0].stats.lines, 5);
    }

    #[test]
    fn several_inputs_are_read_at_once_and_a_callback_can_stop() {
        let dir = tempfile::tempdir().unwrap();
        let a = dir.path().join("a.log");
        let b = dir.path().join("b.log");
        std::fs::write(&a, "a1\na2\n").unwrap();
        std::fs::write(&b, "b1\n").unwrap();
        let o = opts();
        let mut seen = Vec::new();
        let res = follow_records(
            &[Input::File(a), Input::File(b)],
            &FormatChoice::Auto,
            1 << 20,
            &o,
            |_, stream, rec| {
                seen.push((stream, rec.message.to_string()));
                if seen.len() == 3 {
                    ControlFlow::Break(())
                } else {
                    ControlFlow::Continue(())
                }
            },
            || ControlFlow::Continue(()),
        )
        .unwrap();
        seen.sort();
        assert_eq!(seen, [(0, "a1".into()), (0, "a2".into()), (1, "b1".into())]);
        assert_eq!(res.len(), 2);
        assert!(o.stop.load(Ordering::Relaxed));
    }
}
