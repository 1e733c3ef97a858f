import BuddyProviders
import XCTest

/// What the progress bar and the overlay say about a download.
final class DownloadProgressTextTests: XCTestCase {
    func testATerminalLineHasBarPercentSizeSpeedAndETA() {
        let progress = DownloadProgress(received: 50_000_000, total: 200_000_000, resumedFrom: 0)
        XCTAssertEqual(progress.line(label: "model.gguf", seconds: 5, barWidth: 8),
                       "model.gguf  [##······]   25%  50.0/200.0 MB  10.0 MB/s  ETA 0:15")
    }

    func testAResumedDownloadCountsOnlyThisRunsBytesForSpeed() {
        let progress = DownloadProgress(received: 150_000_000, total: 200_000_000, resumedFrom: 100_000_000)
        XCTAssertEqual(progress.line(label: "f", seconds: 10, barWidth: 0), "f   75%  150.0/200.0 MB  5.0 MB/s  ETA 0:10")
    }

    func testUnknownSizeAndTheFirstMomentsShowNoGuesses() {
        XCTAssertEqual(DownloadProgress(received: 1_500_000, total: nil, resumedFrom: 0).line(label: "f", seconds: 0.1, barWidth: 10),
                       "f  1.5 MB")
    }

    func testLongDownloadsShowHours() {
        XCTAssertEqual(DownloadProgress.clock(3725), "1:02:05")
        XCTAssertEqual(DownloadProgress.clock(59.2), "1:00")
    }

    func testTheOverlaySaysWhatTheOriginalSaid() {
        XCTAssertEqual(DownloadProgress(received: 42, total: 100, resumedFrom: 0).overlayLine, "downloading the local model — 42 %")
        XCTAssertEqual(DownloadProgress(received: 42, total: nil, resumedFrom: 0).overlayLine, "downloading the local model…")
    }
}
