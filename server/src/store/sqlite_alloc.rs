//! SQLite allocates through mimalloc, the server's own allocator.
//!
//! Left alone, SQLite calls the C library's `malloc`. Under load the writer thread's glibc
//! arena grew and shrank with every group commit, one `mprotect` system call at a time (a
//! third of a system call per check-in, seen with `strace`). mimalloc keeps freed memory for
//! reuse instead.

#![allow(unsafe_code)]

use std::ffi::{c_int, c_void};

use libmimalloc_sys as mi;
use rusqlite::ffi;

unsafe extern "C" fn allocate(bytes: c_int) -> *mut c_void {
    // SQLite never asks for a negative size; treat one as a failed allocation.
    match usize::try_from(bytes) {
        // SAFETY: mimalloc accepts any size and returns null when it cannot allocate.
        Ok(bytes) => unsafe { mi::mi_malloc(bytes) },
        Err(_) => std::ptr::null_mut(),
    }
}

unsafe extern "C" fn free(block: *mut c_void) {
    // SAFETY: SQLite frees only what `allocate` or `reallocate` returned.
    unsafe { mi::mi_free(block) }
}

unsafe extern "C" fn reallocate(block: *mut c_void, bytes: c_int) -> *mut c_void {
    match usize::try_from(bytes) {
        // SAFETY: `block` came from `allocate` or `reallocate`.
        Ok(bytes) => unsafe { mi::mi_realloc(block, bytes) },
        Err(_) => std::ptr::null_mut(),
    }
}

unsafe extern "C" fn size(block: *mut c_void) -> c_int {
    // SAFETY: `block` came from `allocate` or `reallocate`.
    let usable = unsafe { mi::mi_usable_size(block) };
    c_int::try_from(usable).unwrap_or(c_int::MAX)
}

unsafe extern "C" fn round_up(bytes: c_int) -> c_int {
    let Ok(wanted) = usize::try_from(bytes) else {
        return bytes;
    };
    // SAFETY: a pure function of its argument.
    c_int::try_from(unsafe { mi::mi_good_size(wanted) }).unwrap_or(bytes)
}

unsafe extern "C" fn init(_: *mut c_void) -> c_int {
    ffi::SQLITE_OK
}

unsafe extern "C" fn shutdown(_: *mut c_void) {}

/// Makes SQLite allocate through mimalloc. Returns whether SQLite took it: it refuses once it
/// has been used (initialised) in this process, and then keeps the C library's allocator.
///
/// # Safety
///
/// No other thread may be using SQLite while this runs (`sqlite3_config` is not thread-safe);
/// call it at the start of `main`.
pub unsafe fn use_mimalloc() -> bool {
    let methods = ffi::sqlite3_mem_methods {
        xMalloc: Some(allocate),
        xFree: Some(free),
        xRealloc: Some(reallocate),
        xSize: Some(size),
        xRoundup: Some(round_up),
        xInit: Some(init),
        xShutdown: Some(shutdown),
        pAppData: std::ptr::null_mut(),
    };
    // SAFETY: SQLite copies the methods before returning; the caller guarantees no other
    // thread uses SQLite meanwhile.
    unsafe {
        ffi::sqlite3_config(ffi::SQLITE_CONFIG_MALLOC, &methods as *const _) == ffi::SQLITE_OK
    }
}
