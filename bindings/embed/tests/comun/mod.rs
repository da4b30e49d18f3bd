//! What the suites of erp-embed share.

#![allow(clippy::unwrap_used)]

/// A temporary directory removed on drop: a real SQLite file per test.
pub struct Dir(pub std::path::PathBuf);

impl Dir {
    pub fn new() -> Self {
        let p = std::env::temp_dir().join(format!("erp-embed-{}", uuid::Uuid::now_v7()));
        std::fs::create_dir_all(&p).unwrap();
        Self(p)
    }
}

impl Drop for Dir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}
