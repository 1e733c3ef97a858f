import Foundation

extension DownloadProgress {
    /// One progress line: `label  [######······]   42%  98.1/233.0 MB  12.4 MB/s  ETA 0:11`.
    /// `barWidth` 0 leaves the bar out (plain logs). Speed counts only the bytes of this run
    /// (`seconds` since it started), so a resumed download does not claim the earlier run's.
    public func line(label: String, seconds: Double, barWidth: Int) -> String {
        var parts = [label]
        if let fraction {
            if barWidth > 0 {
                let filled = Int((fraction * Double(barWidth)).rounded(.down))
                parts.append("[" + String(repeating: "#", count: filled) + String(repeating: "·", count: barWidth - filled) + "]")
            }
            parts.append(String(format: "%3d%%", Int((fraction * 100).rounded(.down))))
        }
        let size = total.map { "/" + Self.megabytes($0) } ?? ""
        parts.append(Self.megabytes(received) + size + " MB")
        let fresh = Double(received - resumedFrom)
        if seconds > 0.2, fresh > 0 {
            let rate = fresh / seconds
            parts.append(String(format: "%.1f MB/s", rate / 1_000_000))
            if let total, received < total {
                parts.append("ETA " + Self.clock(Double(total - received) / rate))
            }
        }
        return parts.joined(separator: "  ")
    }

    /// Bytes as decimal megabytes with one decimal.
    public static func megabytes(_ bytes: Int64) -> String { String(format: "%.1f", Double(bytes) / 1_000_000) }

    /// `m:ss`, or `h:mm:ss` from an hour on.
    public static func clock(_ seconds: Double) -> String {
        let whole = Int(seconds.rounded(.up))
        let (hours, minutes, rest) = (whole / 3600, whole / 60 % 60, whole % 60)
        return hours > 0 ? String(format: "%d:%02d:%02d", hours, minutes, rest) : String(format: "%d:%02d", minutes, rest)
    }
}
