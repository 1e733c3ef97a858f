import BuddyProviders
import Foundation

/// The download progress of `clicky models pull`: on a terminal one line redrawn in place
/// (`[######······]  42%  98.1/233.0 MB  12.4 MB/s  ETA 0:11`), otherwise a plain line at every
/// tenth, so a log or CI output is readable. Speed counts only this run's bytes (a resumed
/// download does not claim the earlier run's).
final class ProgressBar: @unchecked Sendable {
    // @unchecked: every mutable field is touched only under `lock`.
    private let lock = NSLock()
    private let label: String
    private let interactive: Bool
    private let write: @Sendable (String) -> Void
    private let start: Date
    private var lastDraw = Date.distantPast
    private var lastTenth = -1

    init(label: String, interactive: Bool = isatty(STDERR_FILENO) != 0, start: Date = Date(),
         write: @escaping @Sendable (String) -> Void = { FileHandle.standardError.write(Data($0.utf8)) }) {
        self.label = label
        self.interactive = interactive
        self.write = write
        self.start = start
    }

    /// Shows `progress`; on a terminal at most ten times a second unless `force`.
    func update(_ progress: DownloadProgress, now: Date = Date(), force: Bool = false) {
        lock.withLock {
            let seconds = now.timeIntervalSince(start)
            if interactive {
                guard force || progress.fraction == 1 || now.timeIntervalSince(lastDraw) >= 0.1 else { return }
                lastDraw = now
                write("\r" + progress.line(label: label, seconds: seconds, barWidth: 24) + "\u{1B}[K")
            } else {
                let tenth = progress.fraction.map { Int($0 * 10) } ?? 0
                guard force || tenth > lastTenth else { return }
                lastTenth = tenth
                write(progress.line(label: label, seconds: seconds, barWidth: 0) + "\n")
            }
        }
    }

    /// Ends the bar's line on a terminal.
    func finish() {
        if interactive { lock.withLock { write("\n") } }
    }
}
