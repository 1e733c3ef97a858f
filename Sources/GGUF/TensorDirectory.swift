/// The tensor directory of a GGUF file: one entry per tensor, read and checked in file order.
struct TensorDirectory {
    /// Smallest possible entry: name length (8), n_dims (4), one dimension (8), type (4), offset (8).
    static let minimumEntrySize = 32
    /// The spec's limit on tensor names.
    static let maximumNameLength = 64
    /// GGML tensors have at most four dimensions.
    static let maximumDimensions = 4

    private(set) var tensors: [GGUFTensorInfo] = []
    private(set) var index: [String: Int] = [:]
    /// Where each tensor's offset field sits in the file, for bounds errors found later.
    private var offsetFieldPositions: [Int] = []

    /// Reads `count` entries (already bounded by the bytes left). Offsets are checked for
    /// alignment here and against the data section by `checkBounds`, once its start is known.
    static func read(count: Int, from cursor: inout ByteCursor, alignment: Int) throws(GGUFError) -> TensorDirectory {
        var directory = TensorDirectory()
        directory.tensors.reserveCapacity(count)
        directory.index.reserveCapacity(count)
        directory.offsetFieldPositions.reserveCapacity(count)
        for position in 0..<count {
            try directory.readEntry(position, from: &cursor, alignment: alignment)
        }
        return directory
    }

    private mutating func readEntry(_ position: Int, from cursor: inout ByteCursor,
                                    alignment: Int) throws(GGUFError) {
        let field = "tensor[\(position)]"
        let nameOffset = cursor.position
        let nameBytes = try cursor.stringBytes(field: field + ".name", maximumLength: Self.maximumNameLength)
        guard let name = String(validating: nameBytes, as: UTF8.self) else {
            throw GGUFError(.invalidUTF8, field: field + ".name", byteOffset: nameOffset, problem: "is not valid UTF-8")
        }
        let tensor = "tensor " + GGUFError.quoted(name)
        guard index[name] == nil else {
            throw GGUFError(.duplicateTensor, field: field + ".name", byteOffset: nameOffset,
                            subject: tensor, problem: "appears twice in the tensor directory")
        }

        let dimensionCountOffset = cursor.position
        let dimensionCount = try cursor.u32(field: field + ".n_dims")
        guard (1...UInt32(Self.maximumDimensions)).contains(dimensionCount) else {
            throw GGUFError(.badDimensions, field: field + ".n_dims", byteOffset: dimensionCountOffset,
                            subject: tensor, problem: "has \(dimensionCount) dimensions; 1 to 4 are allowed")
        }
        var dimensions: [Int] = []
        var elementCount = 1
        for axis in 0..<Int(dimensionCount) {
            let dimensionField = "\(field).dims[\(axis)]"
            let dimensionOffset = cursor.position
            let raw = try cursor.u64(field: dimensionField)
            guard raw >= 1, let extent = Int(exactly: raw) else {
                let shown = raw >= 1 ? "\(raw) (\(Int64(bitPattern: raw)) as a signed number)" : "0"
                throw GGUFError(.badDimensions, field: dimensionField, byteOffset: dimensionOffset,
                                subject: tensor + " dimension \(axis)", problem: "is \(shown); it must be at least 1")
            }
            let (product, overflow) = elementCount.multipliedReportingOverflow(by: extent)
            guard !overflow else {
                throw GGUFError(.sizeOverflow, field: dimensionField, byteOffset: dimensionOffset,
                                subject: tensor + " dimension \(axis)",
                                problem: "is \(extent), and the element count overflows")
            }
            dimensions.append(extent)
            elementCount = product
        }

        let typeOffset = cursor.position
        let rawType = try cursor.u32(field: field + ".type")
        guard let type = GGMLType(rawValue: rawType) else {
            throw GGUFError(.unknownTensorType, field: field + ".type", byteOffset: typeOffset, subject: tensor,
                            problem: "has type id \(rawType), which is not a tensor type this engine reads")
        }
        guard dimensions[0] % type.blockSize == 0 else {
            throw GGUFError(.badDimensions, field: "\(field).dims[0]", byteOffset: dimensionCountOffset + 4,
                            subject: tensor, problem: "has rows of \(dimensions[0]) elements, not a whole "
                                + "number of \(type) blocks of \(type.blockSize)")
        }
        guard let byteCount = type.byteCount(elements: elementCount) else {
            throw GGUFError(.sizeOverflow, field: field + ".type", byteOffset: typeOffset, subject: tensor,
                            problem: "has \(elementCount) \(type) elements, whose byte size overflows")
        }

        let offsetPosition = cursor.position
        let rawOffset = try cursor.u64(field: field + ".offset")
        guard let offset = Int(exactly: rawOffset) else {
            throw GGUFError(.offsetOutOfBounds, field: field + ".offset", byteOffset: offsetPosition,
                            subject: tensor + " offset \(rawOffset)", problem: "is beyond any possible file size")
        }
        guard offset % alignment == 0 else {
            throw GGUFError(.misaligned, field: field + ".offset", byteOffset: offsetPosition,
                            subject: tensor + " offset \(offset)", problem: "is not a multiple of the alignment \(alignment)")
        }

        index[name] = tensors.count
        tensors.append(GGUFTensorInfo(name: name, type: type, dimensions: dimensions,
                                      elementCount: elementCount, byteCount: byteCount, offset: offset))
        offsetFieldPositions.append(offsetPosition)
    }

    /// Places the data section (the header end rounded up to `alignment`) and proves every
    /// tensor's bytes lie inside it. Returns the section's file offset and size.
    func checkBounds(headerEnd: Int, fileSize: Int,
                     alignment: Int) throws(GGUFError) -> (offset: Int, size: Int) {
        let (padded, overflow) = headerEnd.addingReportingOverflow(alignment - 1)
        guard !overflow else {
            throw GGUFError(.sizeOverflow, field: "data section", byteOffset: headerEnd,
                            problem: "cannot start after a header ending at byte \(headerEnd)")
        }
        let start = padded / alignment * alignment
        // A file without tensors may end right after its header, before the padding.
        let size = max(0, fileSize - start)
        for (position, tensor) in tensors.enumerated() {
            let subject = "tensor " + GGUFError.quoted(tensor.name) + " offset \(tensor.offset)"
            guard tensor.offset < size else {
                throw GGUFError(.offsetOutOfBounds, field: "tensor[\(position)].offset",
                                byteOffset: offsetFieldPositions[position], subject: subject,
                                problem: "is past the end of the data section (\(size) bytes)")
            }
            guard tensor.byteCount <= size - tensor.offset else {
                throw GGUFError(.offsetOutOfBounds, field: "tensor[\(position)].offset",
                                byteOffset: offsetFieldPositions[position], subject: subject,
                                problem: "plus its \(tensor.byteCount) bytes runs past the end of the "
                                    + "data section (\(size) bytes)")
            }
        }
        return (start, size)
    }
}
