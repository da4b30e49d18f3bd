//! The `Store` port of `erp-core` implemented on sqlx for SQLite (the embedded default) and
//! PostgreSQL. The port and its adapters arrive with the inventory issue; until then this crate
//! only re-exports the engine so that the workspace has its final shape from the start.

pub use erp_core;
