import Foundation
@testable import Speech
import XCTest

/// The installed tiny.en model cut and patched (in memory, and through files on disk), and the
/// sample file damaged at random: every outcome is a model whose every view lies inside the file,
/// or `.invalidModel`; never a crash.
final class CTranslate2TruncationTests: XCTestCase {
    private func realModelPath() throws -> String {
        let path = WhisperModelFiles.defaultDirectory + "/model.bin"
        guard FileManager.default.fileExists(atPath: path) else {
            throw XCTSkip("whisper-tiny.en is not installed at \(path); run scripts/setup.sh")
        }
        return path
    }

    /// Parses the first `length` bytes of `file` and returns the reason it was refused.
    private func reasonForCut(_ file: CT2FileBytes, at length: Int) -> String? {
        do {
            _ = try CTranslate2Parser.parse(UnsafeRawBufferPointer(rebasing: file.bytes[0..<length]))
            XCTFail("the file cut to \(length) of \(file.count) bytes parsed")
            return nil
        } catch {
            return error.reason
        }
    }

    func testEveryCutThroughTheRealHeadersIsRefused() throws {
        let file = try CT2FileBytes(mapping: try realModelPath())
        let layout = try CTranslate2Parser.parse(file.bytes)
        // Every byte of the first 4 KiB, then every byte of each later variable header (between one
        // variable's data and the next one's) and of the alias table, plus 1000 cuts anywhere.
        var cuts = Set(0..<4096)
        for (previous, next) in zip(layout.entries, layout.entries.dropFirst()) {
            cuts.formUnion((previous.offset + previous.elementCount * previous.dataType.byteWidth)...next.offset)
        }
        let last = layout.entries[layout.entries.count - 1]
        cuts.formUnion((last.offset + last.elementCount * last.dataType.byteWidth)..<file.count)
        var rng = SplitMix(seed: 0xC72)
        for _ in 0..<1000 { cuts.insert(Int.random(in: 0..<file.count, using: &rng)) }

        for cut in cuts.sorted() {
            guard let reason = reasonForCut(file, at: cut) else { continue }
            XCTAssertTrue(reason.contains("truncated"), "cut at \(cut): \(reason)")
        }
        XCTAssertGreaterThan(cuts.count, 10_000)
    }

    func testCutFilesOnDiskAreRefused() throws {
        let path = try realModelPath()
        let whole = try Data(contentsOf: URL(fileURLWithPath: path))
        let directory = try temporaryDirectory(self)
        for length in [1, 3, 4, 5, 21, 22, 25, 26, 53, 187, 4096, 1 << 20, whole.count - 1] {
            let cut = directory + "/cut-\(length).bin"
            try whole.prefix(length).write(to: URL(fileURLWithPath: cut))
            guard case .invalidModel(let errorPath, let reason) = openError(cut) else {
                XCTFail("a file cut to \(length) bytes was not refused as invalid")
                continue
            }
            XCTAssertEqual(errorPath, cut)
            XCTAssertTrue(reason.contains("truncated"), "cut at \(length): \(reason)")
        }
        let empty = directory + "/empty.bin"
        _ = FileManager.default.createFile(atPath: empty, contents: Data())
        XCTAssertEqual(openError(empty), .invalidModel(path: empty, reason: "the file is empty (truncated model)"))
        XCTAssertEqual(openError(directory), .invalidModel(path: directory, reason: "it is a directory, not a model file"))
        XCTAssertEqual(openError(directory + "/none.bin"),
                       .invalidModel(path: directory + "/none.bin", reason: "the file does not exist"))
    }

    func testPatchedRealModelsAreRefused() throws {
        let path = try realModelPath()
        let original = [UInt8](try Data(contentsOf: URL(fileURLWithPath: path)))
        // Offsets from dump_ct2.py: the variable count at 22; "decoder/activation" (a 19-byte name
        // at 26) has its rank at 47, its type id at 48 and its byte count at 49.
        let cases: [([UInt8], [String])] = [
            (patched(original, at: 0, UInt32(7)), ["binary version 7", "newer"]),
            (patched(original, at: 22, UInt32.max), ["variable count", "4294967295"]),
            (patched(original, at: 22, UInt32(149)), ["variable 148", "empty name"]),
            (patched(original, at: 22, UInt32(147)), ["alias", "truncated"]),
            (patched(original, at: 47, UInt8(200)), ["'decoder/activation'", "rank 200"]),
            (patched(original, at: 48, UInt8(9)), ["'decoder/activation'", "data type id 9"]),
            (patched(original, at: 49, UInt32(2)), ["'decoder/activation'", "declares 2 bytes", "must be 1 bytes"]),
            (patched(original, at: 26, UInt16(0xFFFF)), ["name of variable 0", "NUL"]),
            (renamed(original, "decoder/layer_1/ffn/layer_norm/beta", to: "decoder/layer_0/ffn/layer_norm/beta"),
             ["'decoder/layer_0/ffn/layer_norm/beta'", "twice"]),
            (renamed(original, "\0decoder/embeddings/weight\0", to: "\0decoder/embeddingz/weight\0", last: true),
             ["'decoder/embeddingz/weight'", "missing variable"]),
            (original + [0, 0, 0, 0], ["4 unexpected bytes"]),
        ]
        for (bytes, words) in cases {
            assertRefused(bytes, mentioning: words)
        }
        XCTAssertEqual(try CTranslate2Model(bytes: original, path: "test.bin").variableNames.count, 148)
    }

    func testRandomDamageNeverCrashes() {
        let original = CT2FileBuilder.sample().bytes
        var rng = SplitMix(seed: 0x5EED_C7)
        var accepted = 0
        var reasons: Set<String> = []
        let words: [UInt32] = [0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 12, 255, 256, 0xFFFF, 0x1_0000, 0x7FFF_FFFF, .max]
        for _ in 0..<5000 {
            var bytes = original
            for _ in 0..<Int.random(in: 1...3, using: &rng) where !bytes.isEmpty {
                let target = Int.random(in: 0..<bytes.count, using: &rng)
                switch Int.random(in: 0..<5, using: &rng) {
                case 0: bytes[target] ^= 1 << UInt8.random(in: 0..<8, using: &rng)
                case 1, 2:
                    let word = words.randomElement(using: &rng) ?? 0
                    let width = [1, 2, 4].randomElement(using: &rng) ?? 4
                    for (index, byte) in withUnsafeBytes(of: word.littleEndian, Array.init).prefix(width).enumerated()
                    where target + index < bytes.count {
                        bytes[target + index] = byte
                    }
                case 3: bytes.insert(UInt8.random(in: 0...255, using: &rng), at: target)
                default: bytes.removeSubrange(target..<min(bytes.count, target + Int.random(in: 1...8, using: &rng)))
                }
            }
            do {
                let model = try CTranslate2Model(bytes: bytes, path: "fuzz.bin")
                accepted += 1
                for name in model.variableNames + Array(model.aliases.keys) {
                    guard let variable = model.variable(name) else { return XCTFail("\(name) listed but absent") }
                    XCTAssertLessThanOrEqual(variable.fileOffset + variable.byteCount, bytes.count)
                    XCTAssertEqual(variable.floats().count, variable.elementCount)
                }
            } catch {
                guard case .invalidModel(_, let reason) = error else { return XCTFail("\(error)") }
                XCTAssertFalse(reason.contains("\n"))
                reasons.insert(String(reason.prefix { !$0.isNumber }))
            }
        }
        print("fuzz: \(accepted) of 5000 accepted; \(reasons.count) kinds of refusal")
        XCTAssertGreaterThan(accepted, 50)
        XCTAssertGreaterThan(reasons.count, 12, "\(reasons.sorted())")
    }

    private func openError(_ path: String) -> SpeechError? {
        do {
            _ = try CTranslate2Model(path: path)
            return nil
        } catch {
            return error
        }
    }

    /// `bytes` with the first (or last) occurrence of `old` replaced by `new` of the same length.
    private func renamed(_ bytes: [UInt8], _ old: String, to new: String, last: Bool = false) -> [UInt8] {
        let data = Data(bytes)
        guard old.utf8.count == new.utf8.count,
              let found = data.range(of: Data(old.utf8), options: last ? .backwards : []) else {
            XCTFail("'\(old)' is not in the file")
            return bytes
        }
        var copy = bytes
        copy.replaceSubrange(found, with: Array(new.utf8))
        return copy
    }
}

/// SplitMix64, so a failing cut or mutation reproduces from its seed.
struct SplitMix: RandomNumberGenerator {
    private var state: UInt64
    init(seed: UInt64) { state = seed }
    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}
