//! Finds where HTTP/1.x requests start in a client's byte stream (heads, `Content-Length` and chunked
//! bodies), so the HTTP toxics can fail one request in N on a kept-alive connection. It never holds
//! bytes back: it marks where a request starts and where its head ends. Anything that is not HTTP/1
//! switches the framer to pass-through for the rest of the connection.

/// Bytes to forward, and marks between them.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Piece {
    /// A request starts with the next byte.
    Start,
    /// Bytes of the fed chunk to pass on.
    Forward(std::ops::Range<usize>),
    /// The request's head ended with the previous byte.
    HeadEnd,
    /// What followed `Start` is not an HTTP/1 request after all: the rest passes through.
    NotHttp,
}

#[derive(Debug, Clone, PartialEq, Eq)]
enum State {
    Head,
    Body(u64),
    ChunkSize(Vec<u8>),
    ChunkData(u64),
    ChunkEnd(u8),
    Trailer(Vec<u8>),
    Raw,
}

/// The longest request head it waits for before giving up on framing.
const MAX_HEAD: usize = 64 * 1024;

#[derive(Debug)]
pub struct Framer {
    state: State,
    head: Vec<u8>,
}

impl Default for Framer {
    fn default() -> Self {
        Framer {
            state: State::Head,
            head: Vec::new(),
        }
    }
}

fn push(out: &mut Vec<Piece>, at: usize, len: usize) {
    if len == 0 {
        return;
    }
    if let Some(Piece::Forward(last)) = out.last_mut()
        && last.end == at
    {
        last.end += len;
    } else {
        out.push(Piece::Forward(at..at + len));
    }
}

impl Framer {
    /// Splits the next bytes of the stream; `Forward` ranges index into `data`.
    pub fn feed(&mut self, mut data: &[u8]) -> Vec<Piece> {
        let total = data.len();
        let mut out = Vec::new();
        while !data.is_empty() {
            match &mut self.state {
                State::Raw => {
                    push(&mut out, total - data.len(), data.len());
                    data = &[];
                }
                State::Head => {
                    if self.head.is_empty() {
                        // A request starts with a method token; anything else (TLS, Redis, binary
                        // protocols) is not HTTP/1 and is never marked.
                        if !data[0].is_ascii_uppercase() {
                            self.state = State::Raw;
                            continue;
                        }
                        out.push(Piece::Start);
                    }
                    let old = self.head.len();
                    let from = old.saturating_sub(3);
                    self.head.extend_from_slice(data);
                    match find(&self.head[from..], b"\r\n\r\n").map(|i| from + i + 4) {
                        None => {
                            push(&mut out, total - data.len(), data.len());
                            data = &[];
                            if self.head.len() > MAX_HEAD {
                                self.state = State::Raw;
                                self.head.clear();
                                out.push(Piece::NotHttp);
                            }
                        }
                        Some(end) => {
                            let k = end - old;
                            push(&mut out, total - data.len(), k);
                            data = &data[k..];
                            self.head.truncate(end);
                            match body_of(&self.head) {
                                Some(next) => {
                                    self.state = next;
                                    out.push(Piece::HeadEnd);
                                }
                                None => {
                                    self.state = State::Raw;
                                    out.push(Piece::NotHttp);
                                }
                            }
                            self.head.clear();
                        }
                    }
                }
                State::Body(n) => {
                    let take = (*n).min(data.len() as u64) as usize;
                    push(&mut out, total - data.len(), take);
                    data = &data[take..];
                    *n -= take as u64;
                    if *n == 0 {
                        self.state = State::Head;
                    }
                }
                State::ChunkSize(line) => match data.iter().position(|b| *b == b'\n') {
                    None => {
                        line.extend_from_slice(data);
                        push(&mut out, total - data.len(), data.len());
                        data = &[];
                        if line.len() > 1024 {
                            self.state = State::Raw;
                        }
                    }
                    Some(i) => {
                        line.extend_from_slice(&data[..=i]);
                        push(&mut out, total - data.len(), i + 1);
                        data = &data[i + 1..];
                        let text = String::from_utf8_lossy(line);
                        let hex = text.split(';').next().unwrap_or("").trim();
                        self.state = match u64::from_str_radix(hex, 16) {
                            Ok(0) => State::Trailer(Vec::new()),
                            Ok(n) => State::ChunkData(n),
                            Err(_) => State::Raw,
                        };
                    }
                },
                State::ChunkData(n) => {
                    let take = (*n).min(data.len() as u64) as usize;
                    push(&mut out, total - data.len(), take);
                    data = &data[take..];
                    *n -= take as u64;
                    if *n == 0 {
                        self.state = State::ChunkEnd(2);
                    }
                }
                State::ChunkEnd(k) => {
                    let take = usize::from(*k).min(data.len());
                    push(&mut out, total - data.len(), take);
                    data = &data[take..];
                    *k -= take as u8;
                    if *k == 0 {
                        self.state = State::ChunkSize(Vec::new());
                    }
                }
                State::Trailer(line) => match data.iter().position(|b| *b == b'\n') {
                    None => {
                        line.extend_from_slice(data);
                        push(&mut out, total - data.len(), data.len());
                        data = &[];
                    }
                    Some(i) => {
                        line.extend_from_slice(&data[..=i]);
                        push(&mut out, total - data.len(), i + 1);
                        data = &data[i + 1..];
                        let empty = line.as_slice() == b"\r\n" || line.as_slice() == b"\n";
                        line.clear();
                        if empty {
                            self.state = State::Head;
                        }
                    }
                },
            }
        }
        out
    }
}

fn find(hay: &[u8], needle: &[u8]) -> Option<usize> {
    hay.windows(needle.len()).position(|w| w == needle)
}

/// What follows a request head: its body, or the next head. `None` when it is not HTTP/1.
fn body_of(head: &[u8]) -> Option<State> {
    let mut headers = [httparse::EMPTY_HEADER; 100];
    let mut req = httparse::Request::new(&mut headers);
    match req.parse(head) {
        Ok(httparse::Status::Complete(_)) => {}
        _ => return None,
    }
    let mut length = None;
    for h in req.headers.iter() {
        if h.name.eq_ignore_ascii_case("transfer-encoding")
            && String::from_utf8_lossy(h.value)
                .to_ascii_lowercase()
                .contains("chunked")
        {
            return Some(State::ChunkSize(Vec::new()));
        }
        if h.name.eq_ignore_ascii_case("content-length") {
            length = std::str::from_utf8(h.value)
                .ok()?
                .trim()
                .parse::<u64>()
                .ok();
            length?;
        }
    }
    Some(match length {
        Some(n) if n > 0 => State::Body(n),
        _ => State::Head,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_h2c_preface_is_not_http1() {
        let mut f = Framer::default();
        let p = f.feed(b"PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n");
        assert_eq!(p[0], Piece::Start);
        assert!(p.contains(&Piece::NotHttp), "{p:?}");
        assert!(!p.contains(&Piece::HeadEnd));
    }

    fn requests(chunks: &[&[u8]]) -> (usize, usize, Vec<u8>) {
        let mut f = Framer::default();
        let (mut starts, mut ends) = (0, 0);
        let mut bytes = Vec::new();
        for c in chunks {
            for p in f.feed(c) {
                match p {
                    Piece::Start => starts += 1,
                    Piece::HeadEnd => ends += 1,
                    Piece::NotHttp => {}
                    Piece::Forward(r) => bytes.extend_from_slice(&c[r]),
                }
            }
        }
        (starts, ends, bytes)
    }

    #[test]
    fn counts_kept_alive_requests_with_bodies() {
        let stream: &[u8] = b"GET / HTTP/1.1\r\nHost: a\r\n\r\nPOST /x HTTP/1.1\r\nContent-Length: 5\r\n\r\nhelloPOST /c HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n0\r\n\r\nGET /last HTTP/1.1\r\n\r\n";
        let (n, ends, bytes) = requests(&[stream]);
        assert_eq!((n, ends), (4, 4));
        assert_eq!(bytes, stream, "every byte is forwarded, in order");
        // Byte by byte, the same.
        let singles: Vec<&[u8]> = stream.chunks(1).collect();
        let (n, ends, bytes) = requests(&singles);
        assert_eq!((n, ends), (4, 4));
        assert_eq!(bytes, stream);
    }

    #[test]
    fn non_http_passes_through() {
        let (n, _, bytes) = requests(&[b"\x16\x03\x01binary tls hello\r\n\r\nmore"]);
        assert_eq!(n, 0, "never marked");
        assert_eq!(bytes, b"\x16\x03\x01binary tls hello\r\n\r\nmore");
    }
}
