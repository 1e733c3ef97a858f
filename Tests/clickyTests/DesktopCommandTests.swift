import Foundation
import TestSupport
import XCTest

/// The desktop side of the command line: doctor's X11 lines, the launcher entries, and the
/// one-line refusals (Wayland without X11, a chord that cannot be read).
final class DesktopCommandTests: XCTestCase {
    private func clicky(_ arguments: [String], environment: [String: String] = [:]) throws -> (status: Int32, output: String, error: String) {
        try SpawnedProcess.run(try CLIRunner.binary().path, arguments, environment: environment)
    }

    func testDoctorChecksTheOverlayTheHotkeyAndCaptureOnAnXDisplay() throws {
        let display = try VirtualDisplay()
        defer { display.stop() }
        let result = try clicky(["doctor", "--microphone", "clicky_no_such_device"], environment: display.environment)
        let lines = result.output.split(separator: "\n").map(String.init)
        XCTAssertTrue(lines.contains("✓ display: X11 display \(display.display)"), "\(lines)")
        XCTAssertTrue(lines.contains("✓ overlay: no compositor: shaped window; monitors 1280x800+0+0"), "\(lines)")
        XCTAssertTrue(lines.contains("✓ hotkey: ctrl+alt is free to grab"), "\(lines)")
        XCTAssertTrue(lines.contains("✓ screen capture: 1 screen(s): 1280x800 JPEG"), "\(lines)")
    }

    func testInstallDesktopAddsAndRemovesTheLauncherAndAutostartEntries() throws {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("desktop-\(getpid())-\(UUID().uuidString.prefix(6))")
        defer { try? FileManager.default.removeItem(at: folder) }
        let environment = ["XDG_DATA_HOME": folder.path + "/data", "XDG_CONFIG_HOME": folder.path + "/config"]
        let added = try clicky(["install-desktop", "--autostart"], environment: environment)
        XCTAssertEqual(added.status, 0, added.error)
        let launcher = folder.path + "/data/applications/clicky.desktop", login = folder.path + "/config/autostart/clicky.desktop"
        let entry = try String(contentsOfFile: launcher, encoding: .utf8)
        XCTAssertTrue(entry.hasPrefix("[Desktop Entry]\nType=Application\nName=Clicky\n"), entry)
        XCTAssertTrue(entry.contains("Exec=\"\(try CLIRunner.binary().path)\" desktop\n"), entry)
        XCTAssertTrue(try String(contentsOfFile: login, encoding: .utf8).contains("X-GNOME-Autostart-enabled=true"))
        let removed = try clicky(["install-desktop", "--remove"], environment: environment)
        XCTAssertEqual(removed.status, 0, removed.error)
        XCTAssertFalse(FileManager.default.fileExists(atPath: launcher))
        XCTAssertFalse(FileManager.default.fileExists(atPath: login))
    }

    func testWaylandWithoutX11AndAnUnreadableChordAreOneLineEach() throws {
        let wayland = try clicky(["desktop"], environment: ["DISPLAY": "", "WAYLAND_DISPLAY": "wayland-0"])
        XCTAssertEqual(wayland.status, 1)
        XCTAssertEqual(wayland.error.split(separator: "\n").count, 1, wayland.error)
        XCTAssertTrue(wayland.error.contains("needs X11 for now"), wayland.error)
        let chord = try clicky(["desktop", "--hotkey", "ctrl"], environment: ["DISPLAY": ":1"])
        XCTAssertEqual(chord.status, 2, chord.error)
        XCTAssertTrue(chord.error.hasPrefix("cannot read the hotkey \"ctrl\""), chord.error)
    }
}
