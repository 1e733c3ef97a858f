@testable import GGUF
import XCTest

/// Every metadata value type survives a write and a parse, and the typed getters enforce types.
final class MetadataTests: XCTestCase {
    private let scalars: [(String, GGUFWriter.Value)] = [
        ("t.uint8", .uint8(250)), ("t.int8", .int8(-7)), ("t.uint16", .uint16(65000)),
        ("t.int16", .int16(-32000)), ("t.uint32", .uint32(4_000_000_000)), ("t.int32", .int32(-2_000_000_000)),
        ("t.float32", .float32(-1.5e-3)), ("t.bool.true", .bool(true)), ("t.bool.false", .bool(false)),
        ("t.string", .text("héllo ✓")), ("t.empty", .text("")), ("t.uint64", .uint64(.max)),
        ("t.int64", .int64(.min)), ("t.float64", .float64(2.718281828459045)),
    ]

    private func arrays() -> [(String, GGUFWriter.Value)] {
        scalars.filter { !$0.0.hasSuffix("false") }.map { key, value in
            ("a." + key, .array(value.type, [value, value]))
        } + [("a.empty", .array(.float32, []))]
    }

    func testEveryValueTypeRoundTripsInVersions2And3() throws {
        for version: GGUFWriter.Version in [.v2, .v3] {
            var writer = GGUFWriter(version: version)
            let nested: GGUFWriter.Value = .array(.array, [
                .array(.int32, [.int32(1), .int32(-2)]),
                .array(.string, [.text("x"), .bytes([0xC3, 0x28])]),
                .array(.bool, []),
            ])
            let all = scalars + arrays() + [("n.nested", nested)]
            for (key, value) in all { try writer.set(key, value) }
            let file = try GGUFFile(bytes: writer.encoded())
            XCTAssertEqual(file.version, version.rawValue)
            XCTAssertEqual(file.headerKeyCount, all.count)
            XCTAssertEqual(file.metadata.count, all.count)
            for (key, expected) in all {
                let value = try XCTUnwrap(file.metadata[key], key)
                XCTAssertEqual(value.type, expected.type, key)
                XCTAssertEqual(try GGUFWriter.Value(value), expected, key)
            }
        }
    }

    func testNestingDeeperThanTwoIsRefused() {
        var damaged = DamagedFile()
        damaged.add("deep", .array(.array, [.array(.array, [.valid(.array(.uint8, [.uint8(1)]))])]))
        assertRejects(damaged.bytes, as: .nestingTooDeep, field: "deep[0]")
    }

    func testTypedGetters() throws {
        var writer = GGUFWriter()
        try writer.set("u8", .uint8(200))
        try writer.set("i64", .int64(-5))
        try writer.set("u64.huge", .uint64(.max))
        try writer.set("f32", .float32(0.25))
        try writer.set("f64", .float64(0.5))
        try writer.set("flag", .bool(true))
        try writer.set("name", .text("llama"))
        try writer.set("ids", .array(.uint32, [.uint32(1), .uint32(3_000_000_000)]))
        try writer.set("small.ids", .array(.uint8, [.uint8(9), .uint8(255)]))
        try writer.set("scores", .array(.float64, [.float64(1.5), .float64(-2)]))
        let file = try GGUFFile(bytes: writer.encoded())

        XCTAssertEqual(try file.integer("u8"), 200)
        XCTAssertEqual(try file.integer("i64"), -5)
        XCTAssertEqual(try file.float("f32"), 0.25)
        XCTAssertEqual(try file.float("f64"), 0.5)
        XCTAssertEqual(try file.bool("flag"), true)
        XCTAssertEqual(try file.string("name"), "llama")
        XCTAssertEqual(try file.int32Array("small.ids"), [9, 255])
        XCTAssertEqual(try file.floatArray("scores"), [1.5, -2])
        XCTAssertTrue(file.has("name"))
        XCTAssertFalse(file.has("nope"))

        XCTAssertEqual(caughtError { try file.integer("u64.huge") }?.kind, .valueOutOfRange)
        XCTAssertEqual(caughtError { try file.string("nope") }?.kind, .missingKey)
        XCTAssertEqual(caughtError { try file.string("u8") }?.kind, .wrongType)
        XCTAssertEqual(caughtError { try file.float("u8") }?.kind, .wrongType)
        XCTAssertEqual(caughtError { try file.integer("f32") }?.kind, .wrongType)
        XCTAssertEqual(caughtError { try file.bool("u8") }?.kind, .wrongType)
        XCTAssertEqual(caughtError { try file.stringArray("ids") }?.kind, .wrongType)
        XCTAssertEqual(caughtError { try file.floatArray("ids") }?.kind, .wrongType)
        XCTAssertEqual(caughtError { try file.int32Array("name") }?.kind, .wrongType)
        let outOfRange = caughtError { try file.int32Array("ids") }
        XCTAssertEqual(outOfRange?.kind, .valueOutOfRange)
        XCTAssertEqual(outOfRange?.field, "ids[1]")

        let wrong = caughtError { try file.string("u8") }
        XCTAssertEqual(wrong?.description, "invalid model file: key 'u8' at byte \(wrong?.byteOffset ?? -1) is a uint8, expected a string")
        XCTAssertEqual(caughtError { try file.string("nope") }?.description,
                       "invalid model file: required key 'nope' is missing")
    }

    func testInvalidUTF8StringsAreRepairedForTextAndExactAsBytes() throws {
        let broken: [UInt8] = [0x61, 0xFF, 0x62, 0xE2, 0x82]   // a, stray byte, b, cut-off euro sign
        var writer = GGUFWriter()
        try writer.set("s", .bytes(broken))
        try writer.set("list", .array(.string, [.bytes(broken), .text("ok")]))
        let file = try GGUFFile(bytes: writer.encoded())
        XCTAssertEqual(try file.string("s"), "a\u{FFFD}b\u{FFFD}")
        XCTAssertEqual(try file.byteString("s").bytes, broken)
        XCTAssertEqual(try file.stringArray("list"), ["a\u{FFFD}b\u{FFFD}", "ok"])
        XCTAssertEqual(try file.byteStringArray("list"), [broken, Array("ok".utf8)])
    }

    func testArraysStayUsableAfterTheFileIsReleased() throws {
        var writer = GGUFWriter()
        try writer.set("list", .array(.string, [.text("kept"), .text("alive")]))
        var file: GGUFFile? = try GGUFFile(bytes: writer.encoded())
        let array = try XCTUnwrap(file).array("list")
        file = nil
        XCTAssertNil(file)
        XCTAssertEqual(try array.strings(), ["kept", "alive"])
    }

    func testBadKeysAreRefused() {
        var duplicate = DamagedFile()
        duplicate.add("general.name", .valid(.text("a")))
        duplicate.add("general.name", .valid(.text("b")))
        let error = assertRejects(duplicate.bytes, as: .duplicateKey, field: "metadata[1].key")
        XCTAssertEqual(error?.byteOffset, 24 + 8 + 12 + 4 + 9)

        var invalid = DamagedFile()
        invalid.add(keyBytes: [0x6B, 0xC0, 0x80], .valid(.uint8(1)))
        assertRejects(invalid.bytes, as: .invalidUTF8, field: "metadata[0].key")

        var long = DamagedFile()
        long.add(String(repeating: "k", count: 65_536), .valid(.uint8(1)))
        assertRejects(long.bytes, as: .stringTooLong, field: "metadata[0].key")
    }

    func testBoolsOtherThanZeroOrOneAreRefused() {
        var scalar = DamagedFile()
        scalar.add("flag", .raw(typeID: 7, payload: [2]))
        assertRejects(scalar.bytes, as: .invalidBool, field: "flag")

        var inArray = DamagedFile()
        inArray.add("flags", .array(.bool, [.valid(.bool(true)), .raw(typeID: 7, payload: [0x80])]))
        assertRejects(inArray.bytes, as: .invalidBool, field: "flags[1]")
    }

    func testKeyWithControlCharactersStaysOnOneLine() {
        var damaged = DamagedFile()
        damaged.add("evil\nkey\u{202E}", .valid(.uint8(1)))
        damaged.add("evil\nkey\u{202E}", .valid(.uint8(2)))
        let error = assertRejects(damaged.bytes, as: .duplicateKey)
        XCTAssertEqual(error?.description,
                       "invalid model file: metadata key 'evil\\nkey\\u{202E}' at byte 48 appears twice")
    }
}
