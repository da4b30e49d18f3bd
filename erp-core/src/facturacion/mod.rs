//! Electronic invoicing: what a stored comprobante becomes on the wire, and what the answer
//! means. Pure: the engine builds the request and reads the answer; a sender (the server's HTTP
//! client, or a host application's plug-in) carries them.
//!
//! Peru goes through Nubefact ([`nubefact`]); Ecuador's SRI is not built yet.

pub mod envio;
pub mod nubefact;
