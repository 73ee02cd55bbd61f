//! One HTTP connection per worker, on hyper's connection API: the load generator decides exactly how
//! many connections exist (as wrk and oha do), so `-c 50` means 50 TCP connections, not a pool's guess.
//! HTTP/1.1, HTTP/2 (ALPN over TLS, prior knowledge over cleartext), TLS through rustls, `--insecure`,
//! and `--connect-to` host overrides.

use std::sync::Arc;

use bytes::Bytes;
use http::Request;
use http_body_util::{BodyExt, Full};
use hyper::client::conn::{http1, http2};
use hyper_util::rt::{TokioExecutor, TokioIo};
use tokio::net::TcpStream;

use crate::stats::ErrorKind;

/// Where requests go: scheme, host and port of a URL.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Origin {
    pub https: bool,
    pub host: String,
    pub port: u16,
}

impl Origin {
    /// The origin of an absolute `http`/`https` URI.
    pub fn of(uri: &http::Uri) -> Option<Origin> {
        let https = match uri.scheme_str()? {
            "http" => false,
            "https" => true,
            _ => return None,
        };
        let host = uri.host()?.trim_start_matches('[').trim_end_matches(']');
        Some(Origin {
            https,
            host: host.to_string(),
            port: uri.port_u16().unwrap_or(if https { 443 } else { 80 }),
        })
    }
}

/// `--connect-to HOST:PORT:TARGET_HOST:TARGET_PORT`: connect to the target instead, keeping the
/// `Host` header and TLS name of the URL (curl's syntax).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ConnectTo {
    pub host: String,
    pub port: u16,
    pub target_host: String,
    pub target_port: u16,
}

impl std::str::FromStr for ConnectTo {
    type Err = String;

    fn from_str(s: &str) -> Result<Self, String> {
        let parts: Vec<&str> = s.rsplitn(4, ':').collect();
        let [tport, thost, port, host] = parts[..] else {
            return Err(format!(
                "`{s}`: write it as HOST:PORT:TARGET_HOST:TARGET_PORT"
            ));
        };
        let num = |p: &str| {
            p.parse::<u16>()
                .map_err(|_| format!("`{s}`: `{p}` is not a port"))
        };
        Ok(ConnectTo {
            host: host.trim_matches(['[', ']']).to_string(),
            port: num(port)?,
            target_host: thost.trim_matches(['[', ']']).to_string(),
            target_port: num(tport)?,
        })
    }
}

/// How connections are made.
#[derive(Clone)]
pub struct Dialer {
    connect_to: Vec<ConnectTo>,
    tls: tokio_rustls::TlsConnector,
    http2: bool,
}

/// An open connection, ready to carry requests.
pub enum Conn {
    H1(http1::SendRequest<Full<Bytes>>),
    H2(http2::SendRequest<Full<Bytes>>),
}

impl Conn {
    /// Whether the peer closed it (an idle keep-alive connection the server dropped).
    pub fn is_closed(&self) -> bool {
        match self {
            Conn::H1(s) => s.is_closed(),
            Conn::H2(s) => s.is_closed(),
        }
    }
}

/// A response: its status, the body's length, and its `Location` header.
pub struct Answer {
    pub status: u16,
    pub body_bytes: u64,
    pub location: Option<String>,
}

impl Dialer {
    /// A dialer. `insecure` accepts any server certificate (self-signed test environments).
    pub fn new(http2: bool, insecure: bool, connect_to: Vec<ConnectTo>) -> Dialer {
        let provider = Arc::new(rustls::crypto::ring::default_provider());
        let builder = rustls::ClientConfig::builder_with_provider(provider.clone())
            .with_safe_default_protocol_versions()
            .unwrap_or_else(|_| {
                rustls::ClientConfig::builder_with_provider(provider.clone())
                    .with_protocol_versions(rustls::DEFAULT_VERSIONS)
                    .unwrap_or_else(|_| unreachable_config())
            });
        let mut config = if insecure {
            builder
                .dangerous()
                .with_custom_certificate_verifier(Arc::new(AcceptAny(provider)))
                .with_no_client_auth()
        } else {
            let mut roots = rustls::RootCertStore::empty();
            let native = rustls_native_certs::load_native_certs();
            for cert in native.certs {
                let _ = roots.add(cert);
            }
            builder.with_root_certificates(roots).with_no_client_auth()
        };
        config.alpn_protocols = if http2 {
            vec![b"h2".to_vec(), b"http/1.1".to_vec()]
        } else {
            vec![b"http/1.1".to_vec()]
        };
        Dialer {
            connect_to,
            tls: tokio_rustls::TlsConnector::from(Arc::new(config)),
            http2,
        }
    }

    fn address(&self, o: &Origin) -> (String, u16) {
        self.connect_to
            .iter()
            .find(|c| c.host.eq_ignore_ascii_case(&o.host) && c.port == o.port)
            .map_or((o.host.clone(), o.port), |c| {
                (c.target_host.clone(), c.target_port)
            })
    }

    /// Opens a connection to `origin`.
    pub async fn connect(&self, origin: &Origin) -> Result<Conn, ErrorKind> {
        let (host, port) = self.address(origin);
        let tcp = TcpStream::connect((host.as_str(), port))
            .await
            .map_err(|_| ErrorKind::Connect)?;
        let _ = tcp.set_nodelay(true);
        if origin.https {
            let name = rustls::pki_types::ServerName::try_from(origin.host.clone())
                .map_err(|_| ErrorKind::Tls)?;
            let tls = self
                .tls
                .connect(name, tcp)
                .await
                .map_err(|_| ErrorKind::Tls)?;
            let h2 = tls.get_ref().1.alpn_protocol() == Some(b"h2");
            handshake(TokioIo::new(tls), h2).await
        } else {
            handshake(TokioIo::new(tcp), self.http2).await
        }
    }
}

#[allow(clippy::unwrap_used)]
fn unreachable_config() -> rustls::ConfigBuilder<rustls::ClientConfig, rustls::WantsVerifier> {
    // The ring provider supports the default versions: this cannot fail.
    rustls::ClientConfig::builder_with_provider(Arc::new(rustls::crypto::ring::default_provider()))
        .with_safe_default_protocol_versions()
        .unwrap()
}

async fn handshake<T>(io: TokioIo<T>, h2: bool) -> Result<Conn, ErrorKind>
where
    T: tokio::io::AsyncRead + tokio::io::AsyncWrite + Unpin + Send + 'static,
{
    if h2 {
        let (send, conn) = http2::handshake(TokioExecutor::new(), io)
            .await
            .map_err(|e| classify(&e))?;
        tokio::spawn(conn);
        Ok(Conn::H2(send))
    } else {
        let (send, conn) = http1::handshake(io).await.map_err(|e| classify(&e))?;
        tokio::spawn(conn);
        Ok(Conn::H1(send))
    }
}

/// Waits until the connection can take a request; fails when it is closed.
pub async fn ready(conn: &mut Conn) -> Result<(), ErrorKind> {
    match conn {
        Conn::H1(s) => s.ready().await,
        Conn::H2(s) => s.ready().await,
    }
    .map_err(|e| classify(&e))
}

/// Sends one request on a connection that is [`ready`] and reads the whole response body.
pub async fn exchange(conn: &mut Conn, req: Request<Full<Bytes>>) -> Result<Answer, ErrorKind> {
    let resp = match conn {
        Conn::H1(s) => s.send_request(req).await,
        Conn::H2(s) => s.send_request(req).await,
    }
    .map_err(|e| classify(&e))?;
    let status = resp.status().as_u16();
    let location = resp
        .headers()
        .get(http::header::LOCATION)
        .and_then(|v| v.to_str().ok())
        .map(str::to_string);
    let mut body = resp.into_body();
    let mut body_bytes = 0u64;
    while let Some(frame) = body.frame().await {
        let frame = frame.map_err(|e| classify(&e))?;
        if let Some(d) = frame.data_ref() {
            body_bytes += d.len() as u64;
        }
    }
    Ok(Answer {
        status,
        body_bytes,
        location,
    })
}

/// The kind of a hyper error.
pub fn classify(e: &hyper::Error) -> ErrorKind {
    if e.is_parse() || e.is_parse_status() {
        return ErrorKind::BadResponse;
    }
    if e.is_timeout() {
        return ErrorKind::Timeout;
    }
    if e.is_incomplete_message() || e.is_canceled() || e.is_closed() {
        return ErrorKind::Reset;
    }
    let mut source = std::error::Error::source(e);
    while let Some(s) = source {
        if let Some(io) = s.downcast_ref::<std::io::Error>() {
            use std::io::ErrorKind as K;
            return match io.kind() {
                K::ConnectionReset | K::ConnectionAborted | K::BrokenPipe | K::UnexpectedEof => {
                    ErrorKind::Reset
                }
                K::TimedOut => ErrorKind::Timeout,
                _ => ErrorKind::Other,
            };
        }
        source = s.source();
    }
    ErrorKind::Other
}

/// Accepts any certificate (`--insecure`), still checking the handshake signatures.
#[derive(Debug)]
struct AcceptAny(Arc<rustls::crypto::CryptoProvider>);

impl rustls::client::danger::ServerCertVerifier for AcceptAny {
    fn verify_server_cert(
        &self,
        _end_entity: &rustls::pki_types::CertificateDer<'_>,
        _intermediates: &[rustls::pki_types::CertificateDer<'_>],
        _server_name: &rustls::pki_types::ServerName<'_>,
        _ocsp: &[u8],
        _now: rustls::pki_types::UnixTime,
    ) -> Result<rustls::client::danger::ServerCertVerified, rustls::Error> {
        Ok(rustls::client::danger::ServerCertVerified::assertion())
    }

    fn verify_tls12_signature(
        &self,
        message: &[u8],
        cert: &rustls::pki_types::CertificateDer<'_>,
        dss: &rustls::DigitallySignedStruct,
    ) -> Result<rustls::client::danger::HandshakeSignatureValid, rustls::Error> {
        rustls::crypto::verify_tls12_signature(
            message,
            cert,
            dss,
            &self.0.signature_verification_algorithms,
        )
    }

    fn verify_tls13_signature(
        &self,
        message: &[u8],
        cert: &rustls::pki_types::CertificateDer<'_>,
        dss: &rustls::DigitallySignedStruct,
    ) -> Result<rustls::client::danger::HandshakeSignatureValid, rustls::Error> {
        rustls::crypto::verify_tls13_signature(
            message,
            cert,
            dss,
            &self.0.signature_verification_algorithms,
        )
    }

    fn supported_verify_schemes(&self) -> Vec<rustls::SignatureScheme> {
        self.0.signature_verification_algorithms.supported_schemes()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn connect_to_parses_curl_syntax() {
        let c: ConnectTo = "example.com:443:127.0.0.1:8443".parse().unwrap();
        assert_eq!(c.host, "example.com");
        assert_eq!((c.port, c.target_port), (443, 8443));
        assert_eq!(c.target_host, "127.0.0.1");
        assert!("example.com:443".parse::<ConnectTo>().is_err());
        assert!("a:b:c:d".parse::<ConnectTo>().is_err());
    }

    #[test]
    fn origin_defaults_ports() {
        let o = Origin::of(&"https://example.com/x".parse().unwrap()).unwrap();
        assert_eq!((o.https, o.port), (true, 443));
        assert!(Origin::of(&"ftp://x/".parse().unwrap()).is_none());
    }
}
