import BuddyLinux
import Foundation
import Synchronization
import TestSupport
import XCTest

/// The push-to-talk chord under a real X server (Xvfb), pressed with xdotool.
final class HotkeyTests: XCTestCase {
    final class Events: Sendable {
        let seen = Mutex<[HotkeyEvent]>([])
        var values: [HotkeyEvent] { seen.withLock { $0 } }
        func add(_ event: HotkeyEvent) { seen.withLock { $0.append(event) } }

        func wait(for count: Int, timeout: Double = 3) -> [HotkeyEvent] {
            let deadline = Date().addingTimeInterval(timeout)
            while values.count < count, Date() < deadline { Thread.sleep(forTimeInterval: 0.01) }
            return values
        }
    }

    func testChordsParseAsUsersWriteThem() {
        XCTAssertEqual(HotkeyChord(parsing: "ctrl+alt"), .pushToTalk)
        XCTAssertEqual(HotkeyChord(parsing: "Control + Option"), .pushToTalk)
        XCTAssertEqual(HotkeyChord(parsing: "super+space"), HotkeyChord(modifiers: [.super], key: "space"))
        XCTAssertEqual(HotkeyChord(parsing: "F9"), HotkeyChord(modifiers: [], key: "F9"))
        XCTAssertNil(HotkeyChord(parsing: "ctrl"), "one modifier alone would fire on every shortcut")
        XCTAssertNil(HotkeyChord(parsing: "a+b"))
        XCTAssertNil(HotkeyChord(parsing: "ctrl++alt"))
        XCTAssertEqual(HotkeyChord(parsing: "alt+ctrl")?.description, "ctrl+alt")
    }

    private func start(_ display: VirtualDisplay, chord: HotkeyChord = .pushToTalk, toggle: Bool = false) throws -> (X11Hotkey, Events) {
        let events = Events()
        let hotkey = try X11Hotkey(display: display.display, chord: chord, toggle: toggle) { events.add($0) }
        hotkey.start()
        Thread.sleep(forTimeInterval: 0.1)
        return (hotkey, events)
    }

    func testHoldingCtrlAltTalksAndLettingGoStopsWithCapsLockOnOrOff() throws {
        let display = try VirtualDisplay()
        let (hotkey, events) = try start(display)
        defer { hotkey.stop(); display.stop() }   // the connection closes before the server goes
        try display.run("xdotool", ["keydown", "ctrl+alt"])
        XCTAssertEqual(events.wait(for: 1), [.talkPressed])
        try display.run("xdotool", ["keyup", "ctrl+alt"])
        XCTAssertEqual(events.wait(for: 2), [.talkPressed, .talkReleased])
        // Alt first, then Ctrl, with CapsLock on.
        try display.run("xdotool", ["key", "Caps_Lock"])
        try display.run("xdotool", ["keydown", "alt", "keydown", "ctrl"])
        try display.run("xdotool", ["keyup", "ctrl", "keyup", "alt"])
        XCTAssertEqual(events.wait(for: 4), [.talkPressed, .talkReleased, .talkPressed, .talkReleased])
    }

    func testCtrlAltMCyclesTheBrainInsteadOfAsking() throws {
        let display = try VirtualDisplay()
        let (hotkey, events) = try start(display)
        defer { hotkey.stop(); display.stop() }   // the connection closes before the server goes
        try display.run("xdotool", ["keydown", "ctrl+alt", "key", "m", "keyup", "ctrl+alt"])
        Thread.sleep(forTimeInterval: 0.3)
        XCTAssertEqual(events.values, [.talkPressed, .cancel, .cycleBrain], "no question is sent")
    }

    func testEscapeCancelsOnlyWhileArmed() throws {
        let display = try VirtualDisplay()
        let (hotkey, events) = try start(display)
        defer { hotkey.stop(); display.stop() }
        try display.run("xdotool", ["key", "Escape"])
        Thread.sleep(forTimeInterval: 0.2)
        XCTAssertEqual(events.values, [], "Escape belongs to other programs when no turn runs")
        hotkey.armCancel(true)
        Thread.sleep(forTimeInterval: 0.1)
        try display.run("xdotool", ["key", "Escape"])
        XCTAssertEqual(events.wait(for: 1), [.cancel])
    }

    func testToggleModeAndAKeyChord() throws {
        let display = try VirtualDisplay()
        let (hotkey, events) = try start(display, chord: HotkeyChord(modifiers: [.super], key: "space"), toggle: true)
        defer { hotkey.stop(); display.stop() }
        try display.run("xdotool", ["key", "super+space"])
        try display.run("xdotool", ["key", "super+space"])
        XCTAssertEqual(events.wait(for: 2), [.talkPressed, .talkReleased])
    }

    func testAChordHeldByAnotherProgramIsOneClearError() throws {
        let display = try VirtualDisplay()
        let (hotkey, _) = try start(display)
        defer { hotkey.stop(); display.stop() }
        XCTAssertThrowsError(try X11Hotkey(display: display.display) { _ in }) { error in
            XCTAssertTrue(String(describing: error).contains("already holds the hotkey ctrl+alt"), "\(error)")
        }
        XCTAssertThrowsError(try X11Hotkey(display: ":999") { _ in }) { error in
            XCTAssertTrue(String(describing: error).hasPrefix("cannot open the X display :999"), "\(error)")
        }
    }
}
