/// An open GGUF model file: its metadata, its tensor directory and its tensor bytes.
///
/// Opening validates everything up front — header, every metadata value, every tensor entry
/// against the file's real size — so afterwards nothing about the file can fail except a getter
/// asked for a key of the wrong type. The file is memory-mapped and never read beyond its
/// header here; tensor pages arrive when the engine first touches them. Immutable after init.
public final class GGUFFile: Sendable {
    /// Format version: 2 or 3.
    public let version: UInt32
    /// Alignment of tensor data: `general.alignment`, or 32 when absent.
    public let alignment: Int
    /// Every metadata key and its value. Arrays are decoded on request (see `GGUFArray`).
    public let metadata: [String: GGUFValue]
    /// The tensor directory, in file order.
    public let tensors: [GGUFTensorInfo]
    /// The number of key-value pairs the header declares (equal to `metadata.count`, since
    /// duplicate keys are refused).
    public let headerKeyCount: Int
    /// File offset where the data section (and the tensor with offset 0) starts.
    public let dataSectionOffset: Int
    /// Bytes from the start of the data section to the end of the file.
    public let dataSectionSize: Int

    private let storage: ByteStorage
    private let tensorIndex: [String: Int]
    /// Where each key's value type id sits, so type errors can point into the file.
    private let valueOffsets: [String: Int]

    /// Maps the file at `path` read-only and validates it. A missing, unreadable or special
    /// path is `.cannotOpen` / `.notAFile`; anything wrong inside the file is its own kind.
    public convenience init(path: String) throws(GGUFError) {
        try self.init(storage: try ByteStorage(mapping: path))
    }

    /// Parses a copy of `bytes` with exactly the code path `init(path:)` uses (for tests and
    /// for files that arrive in memory).
    public convenience init(bytes: [UInt8]) throws(GGUFError) {
        try self.init(storage: ByteStorage(copying: bytes))
    }

    private init(storage: ByteStorage) throws(GGUFError) {
        let header = try HeaderParser.parse(storage)
        self.storage = storage
        version = header.version
        alignment = header.alignment
        metadata = header.metadata
        tensors = header.tensors
        headerKeyCount = header.headerKeyCount
        dataSectionOffset = header.dataSectionOffset
        dataSectionSize = header.dataSectionSize
        tensorIndex = header.tensorIndex
        valueOffsets = header.valueOffsets
    }

    /// Size of the whole file in bytes.
    public var fileSize: Int { storage.count }

    /// The tensor called `name`, or nil.
    public func tensor(named name: String) -> GGUFTensorInfo? {
        tensorIndex[name].map { tensors[$0] }
    }

    /// The first byte of `tensor`'s data; `tensor.byteCount` bytes are readable from it for as
    /// long as this file is alive. The bounds were proven when the file was opened.
    ///
    /// `tensor` must come from this file: an entry from another file is a programming error
    /// and stops the program rather than hand out a pointer outside the mapping.
    public func data(of tensor: GGUFTensorInfo) -> UnsafeRawPointer {
        precondition(tensor.offset >= 0 && tensor.byteCount >= 0
                     && tensor.offset <= dataSectionSize && tensor.byteCount <= dataSectionSize - tensor.offset,
                     "GGUFFile.data(of:) was given a tensor that does not belong to this file")
        return storage.base + dataSectionOffset + tensor.offset
    }

    /// `tensor`'s bytes as a buffer, for callers that prefer a bounded view.
    public func bytes(of tensor: GGUFTensorInfo) -> UnsafeRawBufferPointer {
        UnsafeRawBufferPointer(start: data(of: tensor), count: tensor.byteCount)
    }

    /// The byte offset of `key`'s value in the file, for callers reporting their own errors.
    public func byteOffset(ofKey key: String) -> Int? {
        valueOffsets[key]
    }
}
