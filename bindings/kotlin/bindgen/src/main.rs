//! `cargo run -p uniffi-bindgen -- generate target/debug/liberp_uniffi.so --language kotlin …`:
//! the generator must be the exact uniffi version the library was built with (a mismatch fails
//! at load with "UniFFI API checksum mismatch"), so it is built from this workspace's lock.

fn main() {
    uniffi::uniffi_bindgen_main()
}
