//! The reference REST server of the ERP engine, as a library so that tests (and an application
//! that embeds the server) can build the router: [`servidor::app`], [`servidor::servir`].

pub mod servidor;
