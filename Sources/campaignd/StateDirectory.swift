import Foundation
import Logging

/// The directory that holds the database: personal data, for the service alone. It is created 0700; one
/// that already exists with group or world access is made 0700 with a warning, every start, as systemd
/// does with `StateDirectoryMode=` (whose default, 0755, is wider than this wants). One owned by another
/// user is refused: its owner could replace the database under the service.
enum StateDirectory {
    struct Refused: Error, CustomStringConvertible {
        var description: String
    }

    static func prepare(_ path: String, logger: Logger) throws {
        // Directories created on the way are 0700 too, by the umask.
        try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true, attributes: [.posixPermissions: 0o700])
        // Checked and changed through one descriptor: the path cannot be swapped in between.
        let fd = open(path, O_RDONLY | O_DIRECTORY | O_CLOEXEC)
        guard fd >= 0 else { throw Refused(description: "cannot open state directory \(path): \(String(cString: strerror(errno)))") }
        defer { close(fd) }
        var status = stat()
        guard fstat(fd, &status) == 0 else {
            throw Refused(description: "cannot read state directory \(path): \(String(cString: strerror(errno)))")
        }
        guard status.st_uid == geteuid() else {
            throw Refused(description: "state directory \(path) belongs to uid \(status.st_uid), not to campaignd's uid \(geteuid())")
        }
        let mode = status.st_mode & 0o7777
        guard mode & 0o077 != 0 else { return }
        guard fchmod(fd, 0o700) == 0 else {
            throw Refused(description: "cannot make state directory \(path) 0700: \(String(cString: strerror(errno)))")
        }
        logger.warning(
            "state directory was open to other users; made it 0700",
            metadata: ["directory": "\(path)", "was": "\(String(mode, radix: 8))"])
    }
}
