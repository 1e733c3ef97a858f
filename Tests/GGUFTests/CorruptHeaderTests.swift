@testable import GGUF
import XCTest

/// Damaged and hostile headers: each fails with its specific error, quickly, without a crash.
final class CorruptHeaderTests: XCTestCase {
    /// Writes `value` little-endian over `bytes[offset...]`.
    private func patch<T: FixedWidthInteger>(_ bytes: [UInt8], at offset: Int, _ value: T) -> [UInt8] {
        var copy = bytes
        withUnsafeBytes(of: value.littleEndian) { raw in
            for (i, byte) in raw.enumerated() { copy[offset + i] = byte }
        }
        return copy
    }

    func testTruncationAtEveryByteIsReported() throws {
        let writer = try sampleWriter()
        let bytes = writer.encoded()
        let whole = try GGUFFile(bytes: bytes)
        // Cuts in the padding after the last tensor leave a valid file; everything before fails.
        let dataEnd = whole.dataSectionOffset + (whole.tensors.map { $0.offset + $0.byteCount }.max() ?? 0)
        var seen: Set<GGUFError.Kind> = []
        for length in 0..<dataEnd {
            let prefix = Array(bytes[0..<length])
            do {
                _ = try GGUFFile(bytes: prefix)
                XCTFail("a file cut to \(length) of \(bytes.count) bytes opened")
            } catch {
                seen.insert(error.kind)
                if length < writer.layout.headerSize {
                    // Counts are bounded by the bytes left, so an early cut may surface as a count.
                    XCTAssertTrue([.truncated, .countTooLarge].contains(error.kind), "cut at \(length): \(error)")
                } else {
                    XCTAssertEqual(error.kind, .offsetOutOfBounds, "cut at \(length): \(error)")
                }
            }
        }
        XCTAssertEqual(seen, [.truncated, .countTooLarge, .offsetOutOfBounds])
    }

    func testWrongMagicIsRefused() throws {
        let bytes = try sampleWriter().encoded()
        for magic in ["GGML", "GGJT", "FUGG", "\0\0\0\0"] {
            var copy = bytes
            copy.replaceSubrange(0..<4, with: Array(magic.utf8))
            assertRejects(copy, as: .badMagic, field: "magic")
        }
        let error = assertRejects(Array("PK\u{3}\u{4}rest of a zip file".utf8), as: .badMagic)
        XCTAssertEqual(error?.description, "invalid model file: the file at byte 0 starts with 'PK??', not 'GGUF': it is not a GGUF model")
    }

    func testOnlyVersions2And3AreAccepted() throws {
        let bytes = try sampleWriter().encoded()
        for version: UInt32 in [0, 1, 4, 0x0300_0000, .max] {
            let error = assertRejects(patch(bytes, at: 4, version), as: .unsupportedVersion, field: "version")
            if version == 0x0300_0000 { XCTAssertTrue(error?.description.contains("big-endian") ?? false) }
        }
    }

    func testHugeCountsAreRefusedBeforeAnyAllocation() throws {
        let bytes = try sampleWriter().encoded()
        for count: UInt64 in [1_000_000, 1 << 40, 1 << 63, .max] {
            assertRejects(patch(bytes, at: 8, count), as: .countTooLarge, field: "tensor_count")
            assertRejects(patch(bytes, at: 16, count), as: .countTooLarge, field: "metadata_kv_count")
        }
        // Each count alone fits, but not both together.
        var writer = GGUFWriter()
        try writer.set("k", .array(.uint8, Array(repeating: .uint8(0), count: 100)))
        assertRejects(patch(patch(writer.encoded(), at: 16, UInt64(6)), at: 8, UInt64(2)),
                      as: .countTooLarge, field: "tensor_count")
    }

    func testStringLengthsThatCannotBeTrusted() {
        // Longer than the file: reported as running past its end.
        var long = DamagedFile()
        long.add("name", .raw(typeID: 8, payload: [0x00, 0x10, 0, 0, 0, 0, 0, 0] + Array("short".utf8)))
        assertRejects(long.bytes, as: .truncated, field: "name")

        // 2^63 and above would wrap when converted; refused as too long before conversion.
        for length: UInt64 in [1 << 63, .max, .max - 7] {
            var sink = ByteSink()
            sink.append(length)
            var value = DamagedFile()
            value.add("name", .raw(typeID: 8, payload: sink.bytes + [0x41]))
            assertRejects(value.bytes, as: .stringTooLong, field: "name")

            var element = DamagedFile()
            element.add("tokens", .array(.string, [.valid(.text("a")), .raw(typeID: 8, payload: sink.bytes)]))
            assertRejects(element.bytes, as: .stringTooLong, field: "tokens[1]")

            var key = DamagedFile()
            key.header.keyCount = 1
            var bytes = key.bytes
            bytes += sink.bytes + [UInt8](repeating: 0x41, count: 16)
            assertRejects(bytes, as: .stringTooLong, field: "metadata[0].key")
        }
    }

    func testHugeArrayCountsAreRefused() {
        for (type, count) in [(GGUFValueType.string, UInt64(1_000)), (.uint64, 1 << 61), (.array, .max), (.uint8, 1 << 63)] {
            var sink = ByteSink()
            sink.append(type.rawValue)
            sink.append(count)
            var damaged = DamagedFile()
            damaged.add("list", .raw(typeID: 9, payload: sink.bytes + [UInt8](repeating: 0, count: 64)))
            assertRejects(damaged.bytes, as: .countTooLarge, field: "list.count")
        }
    }

    func testUnknownValueTypesAreRefused() {
        for id: UInt32 in [13, 99, 0x8000_0000, .max] {
            var scalar = DamagedFile()
            scalar.add("k", .raw(typeID: id, payload: [0, 0, 0, 0]))
            let error = assertRejects(scalar.bytes, as: .unknownValueType, field: "metadata[0].type")
            XCTAssertTrue(error?.description.contains("value type \(id)") ?? false)

            var sink = ByteSink()
            sink.append(id)
            sink.append(UInt64(1))
            var element = DamagedFile()
            element.add("list", .raw(typeID: 9, payload: sink.bytes + [0, 0, 0, 0, 0, 0, 0, 0]))
            assertRejects(element.bytes, as: .unknownValueType, field: "list.type")
        }
    }

    func testEveryErrorKindDescribesItselfOnOneLine() {
        for kind in GGUFError.Kind.allCases {
            XCTAssertFalse(kind.rawValue.isEmpty)
        }
        let error = GGUFError.cannotOpen(path: "/tmp/x\ny.gguf", reason: "No such file or directory")
        XCTAssertEqual(error.description, "cannot open model file '/tmp/x\\ny.gguf': No such file or directory")
    }
}
