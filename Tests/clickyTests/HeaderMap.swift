import Foundation

/// Byte offsets of the interesting fields in a GGUF header, found by walking it once, so tests
/// can corrupt exactly one field of a real model file. Test code only: it trusts its input.
struct HeaderMap {
    struct TensorEntry {
        let name: String
        let nameOffset: Int        // first byte of the name's characters
        let dimensionCountOffset: Int
        let dimensionOffsets: [Int]
        let typeOffset: Int
        let dataOffsetOffset: Int
    }

    let tensorCountOffset = 8
    let keyCountOffset = 16
    var firstKeyLengthOffset = 24
    var stringValueOffsets: [String: Int] = [:]   // key -> offset of the value's length field
    var tensors: [TensorEntry] = []
    var headerEnd = 0

    init(_ data: Data) {
        let bytes = [UInt8](data.prefix(8 << 20))
        var at = 0
        func u32() -> UInt32 { defer { at += 4 }; return bytes[at..<at + 4].reversed().reduce(0) { $0 << 8 | UInt32($1) } }
        func u64() -> UInt64 { defer { at += 8 }; return bytes[at..<at + 8].reversed().reduce(0) { $0 << 8 | UInt64($1) } }
        func string() -> String {
            let n = Int(u64())
            defer { at += n }
            return String(decoding: bytes[at..<at + n], as: UTF8.self)
        }
        func skipValue(_ type: UInt32) {
            switch type {
            case 0, 1, 7: at += 1
            case 2, 3: at += 2
            case 4, 5, 6: at += 4
            case 10, 11, 12: at += 8
            case 8: _ = string()
            case 9:
                let inner = u32()
                let count = Int(u64())
                for _ in 0..<count { skipValue(inner) }
            default: fatalError("test header walker: unknown type \(type)")
            }
        }
        at = 8
        let tensorCount = Int(u64())
        let keyCount = Int(u64())
        for _ in 0..<keyCount {
            let key = string()
            let type = u32()
            if type == 8 { stringValueOffsets[key] = at }
            skipValue(type)
        }
        for _ in 0..<tensorCount {
            let nameLength = Int(u64())
            let nameOffset = at
            let name = String(decoding: bytes[at..<at + nameLength], as: UTF8.self)
            at += nameLength
            let dimensionCountOffset = at
            let dims = Int(u32())
            var dimensionOffsets: [Int] = []
            for _ in 0..<dims { dimensionOffsets.append(at); at += 8 }
            let typeOffset = at
            at += 4
            let dataOffsetOffset = at
            at += 8
            tensors.append(TensorEntry(name: name, nameOffset: nameOffset, dimensionCountOffset: dimensionCountOffset,
                                       dimensionOffsets: dimensionOffsets, typeOffset: typeOffset,
                                       dataOffsetOffset: dataOffsetOffset))
        }
        headerEnd = at
    }
}

extension Data {
    mutating func writeLittleEndian<T: FixedWidthInteger>(_ value: T, at offset: Int) {
        var little = value.littleEndian
        Swift.withUnsafeBytes(of: &little) { raw in
            for (i, byte) in raw.enumerated() { self[offset + i] = byte }
        }
    }
}
