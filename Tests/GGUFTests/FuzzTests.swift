import GGUF
import XCTest

/// Seeded random damage to a valid file: every parse must either succeed with all tensor bytes
/// inside the buffer and all arrays decodable, or throw a `GGUFError`. A crash fails the run.
final class FuzzTests: XCTestCase {
    private static let interestingWords: [UInt64] = [
        0, 1, 2, 3, 4, 5, 7, 8, 12, 13, 31, 32, 33, 63, 64, 255, 256, 0xFFFF, 0x1_0000,
        0x7FFF_FFFF, 0x8000_0000, 0xFFFF_FFFF, 0x1_0000_0000, 1 << 62, 1 << 63, .max, .max - 1,
    ]

    /// One random edit: flip bits, write a boundary value, insert, delete or truncate. Edits
    /// aim at the header most of the time, since damage to tensor data is always accepted.
    private func mutate(_ bytes: inout [UInt8], headerEnd: Int, using rng: inout SeededGenerator) {
        guard !bytes.isEmpty else { return }
        let target = Int.random(in: 0..<min(bytes.count, headerEnd + 16), using: &rng)
        switch Int.random(in: 0..<7, using: &rng) {
        case 0:
            bytes[target] ^= UInt8(1) << UInt8.random(in: 0..<8, using: &rng)
        case 1:
            bytes[target] = [0x00, 0x01, 0x7F, 0x80, 0xFF].randomElement(using: &rng) ?? 0
        case 2, 3:
            let word = Self.interestingWords.randomElement(using: &rng) ?? 0
            let width = [1, 2, 4, 8].randomElement(using: &rng) ?? 8
            withUnsafeBytes(of: word.littleEndian) { raw in
                for i in 0..<width where target + i < bytes.count { bytes[target + i] = raw[i] }
            }
        case 4:
            let count = Int.random(in: 1...9, using: &rng)
            bytes.insert(contentsOf: (0..<count).map { _ in UInt8.random(in: 0...255, using: &rng) }, at: target)
        case 5:
            let count = Int.random(in: 1...9, using: &rng)
            bytes.removeSubrange(target..<min(bytes.count, target + count))
        default:
            bytes.removeSubrange(target..<bytes.count)
        }
    }

    /// Whatever a successful parse returns must be safe to use.
    private func checkAccepted(_ file: GGUFFile, size: Int) throws {
        XCTAssertLessThanOrEqual(file.dataSectionOffset + file.dataSectionSize, size)
        for tensor in file.tensors {
            XCTAssertGreaterThanOrEqual(tensor.offset, 0)
            XCTAssertGreaterThan(tensor.byteCount, 0)
            XCTAssertLessThanOrEqual(tensor.offset + tensor.byteCount, file.dataSectionSize)
            let data = file.bytes(of: tensor)
            _ = data[0] &+ data[data.count - 1]   // touches both ends: must stay inside the buffer
        }
        for value in file.metadata.values {
            _ = try GGUFWriter.Value(value)   // arrays validated at open must decode
        }
    }

    func testRandomDamageNeverCrashes() throws {
        let writer = try sampleWriter()
        let original = writer.encoded()
        let headerEnd = writer.layout.headerSize
        var rng = SeededGenerator(seed: 0x6767_7566)
        var accepted = 0
        var kinds: [GGUFError.Kind: Int] = [:]
        for _ in 0..<5000 {
            var bytes = original
            for _ in 0..<Int.random(in: 1...4, using: &rng) {
                mutate(&bytes, headerEnd: headerEnd, using: &rng)
            }
            let file: GGUFFile
            do {
                file = try GGUFFile(bytes: bytes)
            } catch {
                kinds[error.kind, default: 0] += 1
                XCTAssertFalse(error.description.contains("\n"))
                continue
            }
            accepted += 1
            try checkAccepted(file, size: bytes.count)
        }
        // The run must exercise both outcomes and many kinds of rejection to mean anything.
        XCTAssertGreaterThan(accepted, 50)
        XCTAssertGreaterThan(kinds.count, 8, "\(kinds)")
        print("fuzz: \(accepted) accepted, rejected by kind: \(kinds.sorted { $0.value > $1.value })")
    }
}
