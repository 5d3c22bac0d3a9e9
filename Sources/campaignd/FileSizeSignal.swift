import Foundation

/// SIGXFSZ, sent when a write would pass RLIMIT_FSIZE (systemd's `LimitFSIZE=`), kills the process by
/// default. Ignored, the write fails with EFBIG instead: SQLite reports an I/O error and the request gets
/// `-32005`, as on a full disk. Without this, campaignd survived only because the threads that happen to
/// write (libdispatch's) block every signal, leaving it pending; a write from the main thread would be fatal.
enum FileSizeSignal {
    static func ignore() { signal(SIGXFSZ, SIG_IGN) }
}
