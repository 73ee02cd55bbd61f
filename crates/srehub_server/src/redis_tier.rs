//! The shared second tier of the cache: Redis, when `--redis-url` is set. Every replica reads what
//! another one loaded. Redis is never in the way: each call has a short time limit, a failure marks it
//! down (the hub keeps serving from memory, `/readyz` and `srehub_cache_backend_up` say so), and the
//! connection is tried again at most every few seconds until it answers.

use std::sync::Mutex;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

use redis::AsyncCommands as _;

/// Time limit of one Redis call.
const CALL: Duration = Duration::from_millis(300);
/// Least time between two connection attempts.
const RETRY: Duration = Duration::from_secs(2);

pub struct RedisTier {
    client: redis::Client,
    conn: tokio::sync::Mutex<Option<redis::aio::MultiplexedConnection>>,
    last_attempt: Mutex<Option<Instant>>,
    up: AtomicBool,
    prefix: String,
}

impl std::fmt::Debug for RedisTier {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "RedisTier(up: {})", self.is_up())
    }
}

impl RedisTier {
    /// `prefix` separates hubs that serve different sources (or versions) on one Redis.
    pub fn new(url: &str, prefix: &str) -> Result<RedisTier, String> {
        let client = redis::Client::open(url)
            .map_err(|e| format!("cache.redis_url `{}`: {e}", srehub_http::redact(url)))?;
        Ok(RedisTier {
            client,
            conn: tokio::sync::Mutex::new(None),
            last_attempt: Mutex::new(None),
            up: AtomicBool::new(false),
            prefix: prefix.to_string(),
        })
    }

    pub fn is_up(&self) -> bool {
        self.up.load(Ordering::Relaxed)
    }

    fn down(&self, why: &str) {
        if self.up.swap(false, Ordering::Relaxed) {
            tracing::warn!(error = %why, "Redis cache unavailable: serving from memory");
        }
    }

    async fn connection(&self) -> Option<redis::aio::MultiplexedConnection> {
        let mut guard = self.conn.lock().await;
        if let Some(c) = guard.as_ref() {
            return Some(c.clone());
        }
        {
            let mut last = self.last_attempt.lock().unwrap_or_else(|p| p.into_inner());
            if last.is_some_and(|t| t.elapsed() < RETRY) {
                return None;
            }
            *last = Some(Instant::now());
        }
        match tokio::time::timeout(CALL * 2, self.client.get_multiplexed_async_connection()).await {
            Ok(Ok(c)) => {
                if !self.up.swap(true, Ordering::Relaxed) {
                    tracing::info!("Redis cache connected");
                }
                *guard = Some(c.clone());
                Some(c)
            }
            Ok(Err(e)) => {
                self.down(&e.to_string());
                None
            }
            Err(_) => {
                self.down("connect timed out");
                None
            }
        }
    }

    /// Forget the connection after a failure (a new one is made at the next attempt).
    async fn reset(&self, why: &str) {
        self.down(why);
        *self.conn.lock().await = None;
    }

    pub async fn get(&self, key: &str) -> Option<Vec<u8>> {
        let mut c = self.connection().await?;
        let k = format!("{}{key}", self.prefix);
        match tokio::time::timeout(CALL, c.get::<_, Option<Vec<u8>>>(&k)).await {
            Ok(Ok(v)) => {
                self.up.store(true, Ordering::Relaxed);
                v
            }
            Ok(Err(e)) => {
                self.reset(&e.to_string()).await;
                None
            }
            Err(_) => {
                self.reset("GET timed out").await;
                None
            }
        }
    }

    pub async fn set(&self, key: &str, value: Vec<u8>, ttl: Duration) {
        let Some(mut c) = self.connection().await else {
            return;
        };
        let k = format!("{}{key}", self.prefix);
        let ms = u64::try_from(ttl.as_millis()).unwrap_or(u64::MAX).max(1);
        match tokio::time::timeout(CALL, c.pset_ex::<_, _, ()>(&k, value, ms)).await {
            Ok(Ok(())) => {}
            Ok(Err(e)) => self.reset(&e.to_string()).await,
            Err(_) => self.reset("SET timed out").await,
        }
    }

    /// Checks the connection now (for `/readyz`).
    pub async fn ping(&self) -> bool {
        let Some(mut c) = self.connection().await else {
            return false;
        };
        match tokio::time::timeout(CALL, redis::cmd("PING").query_async::<String>(&mut c)).await {
            Ok(Ok(_)) => {
                self.up.store(true, Ordering::Relaxed);
                true
            }
            Ok(Err(e)) => {
                self.reset(&e.to_string()).await;
                false
            }
            Err(_) => {
                self.reset("PING timed out").await;
                false
            }
        }
    }
}
