//! The C allocator's settings for this process: one call at start-up ([`tune`]).
//!
//! glibc's `malloc` serves a block of 128 KiB or more with a mapping of its own, returned to
//! the system when freed — until such a block is freed: then it raises that threshold to the
//! block's size (up to 32 MiB), and later blocks below it come from its heaps instead. The
//! index and the model free large blocks all along (the scan workers' piece buffers, the
//! tables of the tree building and of session inference), so without this the tables built
//! later land in heaps full of freed holes that stay resident: on a 1 GB sparse export about
//! 16 MB of free heap at the end, a seventh of the peak anonymous memory. A fixed threshold
//! keeps every large block in its own mapping: freed, it leaves no hole, and the capacity a
//! growing table never touched is never resident.

/// Blocks this large or larger get a mapping of their own (glibc's initial threshold, kept).
const MMAP_THRESHOLD: i32 = 128 * 1024;

/// Fixes glibc's mmap threshold (see the module docs); does nothing under another C library.
pub fn tune() {
    #[cfg(all(target_os = "linux", target_env = "gnu"))]
    // SAFETY: `mallopt` only sets a parameter of the allocator, under its own lock; any value
    // is accepted or refused (it returns 0 then), and nothing else is touched.
    #[allow(unsafe_code)]
    unsafe {
        libc::mallopt(libc::M_MMAP_THRESHOLD, MMAP_THRESHOLD);
    }
}
