/// One variable's header as read from the file; its data starts at `offset`.
struct CT2Entry: Equatable {
    var name: String
    var shape: [Int]
    var dataType: CTranslate2DataType
    var elementCount: Int
    var offset: Int
}

/// Everything model.bin says, checked against the file.
struct CT2Layout: Equatable {
    var version: Int
    var specName: String
    var specRevision: Int
    /// In file order (the converter writes them sorted by name).
    var entries: [CT2Entry]
    var index: [String: Int]
    /// Alias name → the name of the variable it stands for.
    var aliases: [String: String]
}

/// Reads the CTranslate2 model.bin layout and refuses anything a hostile or damaged file could
/// use to crash the reader or make it allocate: every count, length, rank, dimension and byte
/// size is checked with overflow-safe arithmetic against the bytes really left in the file
/// before it is used.
///
/// The layout (little-endian; strings are a u16 length counting a closing NUL, then the bytes):
///
///     u32 binary version | string spec name | u32 spec revision | u32 variable count
///     per variable: string name | u8 rank | rank × u32 dims | u8 type id | u32 byte count | bytes
///     u32 alias count | per alias: string alias | string variable name
///
/// Versions 4 to 6 share this layout (CTranslate2's loader has no branch for 5 or 6: 5 only
/// changes how int8 weights were rounded when quantised). Version 3 and older stored an item
/// width instead of a type id, which cannot tell float16 from int16, so they are refused.
/// Stricter than CTranslate2, which ignores them: an alias to a missing variable, a name used
/// twice, and bytes after the alias table are errors.
enum CTranslate2Parser {
    static let supportedVersions: ClosedRange<UInt32> = 4...6
    /// CTranslate2 itself sets no limit; real models use at most 3 dimensions.
    static let maximumRank = 8
    /// Smallest variable: a one-character name (2 + 2), rank 0, a type id and a byte count, plus
    /// one data byte (every dimension is at least 1, so every variable has data).
    static let minimumVariableSize = 4 + 1 + 1 + 4 + 1
    /// Smallest alias: two one-character names.
    static let minimumAliasSize = 8
    /// Arrays are sized by what has been read, never reserved from a count the file declares
    /// beyond this.
    static let reserveLimit = 1024

    static func parse(_ bytes: UnsafeRawBufferPointer) throws(CT2FormatError) -> CT2Layout {
        var cursor = CT2Cursor(bytes)
        let version = try cursor.u32("the binary version")
        guard supportedVersions.contains(version) else { throw versionError(version) }
        let specName = try cursor.string("the spec name")
        let specRevision = try cursor.u32("the spec revision")

        let countOffset = cursor.position
        let variableCount = try checkedCount(try cursor.u32("the variable count"), "variable count",
                                             at: countOffset, itemSize: minimumVariableSize,
                                             available: cursor.remaining - 4)
        var layout = CT2Layout(version: Int(version), specName: specName, specRevision: Int(specRevision),
                               entries: [], index: [:], aliases: [:])
        layout.entries.reserveCapacity(min(variableCount, reserveLimit))
        for number in 0..<variableCount {
            let entry = try readVariable(number, from: &cursor)
            guard layout.index[entry.name] == nil else {
                throw CT2FormatError(reason: "variable \(number) " + quoted(entry.name) + " appears twice (duplicate name)")
            }
            layout.index[entry.name] = layout.entries.count
            layout.entries.append(entry)
        }

        let aliasOffset = cursor.position
        let aliasCount = try checkedCount(try cursor.u32("the alias count"), "alias count", at: aliasOffset,
                                          itemSize: minimumAliasSize, available: cursor.remaining)
        for number in 0..<aliasCount {
            let alias = try cursor.string("the name of alias \(number)")
            let target = try cursor.string("the target of alias \(number)")
            guard layout.index[alias] == nil, layout.aliases[alias] == nil else {
                throw CT2FormatError(reason: "alias \(number) " + quoted(alias)
                                         + " appears twice (duplicate name of a variable or alias)")
            }
            guard layout.index[target] != nil else {
                throw CT2FormatError(reason: "alias \(number) " + quoted(alias) + " refers to " + quoted(target)
                                         + ", which is not a variable in the file (missing variable)")
            }
            layout.aliases[alias] = target
        }
        guard cursor.remaining == 0 else {
            throw CT2FormatError(reason: "\(cursor.remaining) unexpected bytes follow the alias table at byte "
                                     + "\(cursor.position) (the file is longer than its contents)")
        }
        return layout
    }

    private static func readVariable(_ number: Int, from cursor: inout CT2Cursor) throws(CT2FormatError) -> CT2Entry {
        let name = try cursor.string("the name of variable \(number)")
        let subject = "variable \(number) " + quoted(name)
        guard !name.isEmpty else { throw CT2FormatError(reason: "variable \(number) has an empty name") }

        let rankOffset = cursor.position
        let rank = Int(try cursor.u8("the rank of " + subject))
        guard rank <= maximumRank else {
            throw CT2FormatError(reason: "\(subject) at byte \(rankOffset) has rank \(rank); at most "
                                     + "\(maximumRank) dimensions are supported")
        }
        var shape: [Int] = []
        shape.reserveCapacity(rank)
        var elementCount = 1
        for axis in 0..<rank {
            let dimensionOffset = cursor.position
            let extent = Int(try cursor.u32("dimension \(axis) of " + subject))
            guard extent >= 1 else {
                throw CT2FormatError(reason: "\(subject) dimension \(axis) at byte \(dimensionOffset) is 0; "
                                         + "every dimension must be at least 1")
            }
            let (product, overflow) = elementCount.multipliedReportingOverflow(by: extent)
            guard !overflow else {
                throw CT2FormatError(reason: "\(subject) dimension \(axis) at byte \(dimensionOffset) is "
                                         + "\(extent), and the element count overflows")
            }
            shape.append(extent)
            elementCount = product
        }

        let typeOffset = cursor.position
        let typeID = try cursor.u8("the data type of " + subject)
        guard let dataType = CTranslate2DataType(rawValue: typeID) else {
            throw CT2FormatError(reason: "\(subject) at byte \(typeOffset) has data type id \(typeID), which is "
                                     + "not one CTranslate2 defines (0 float32 … 5 bfloat16)")
        }
        let sizeOffset = cursor.position
        let declared = Int(try cursor.u32("the byte count of " + subject))
        let (expected, overflow) = elementCount.multipliedReportingOverflow(by: dataType.byteWidth)
        guard !overflow, declared == expected else {
            let needed = overflow ? "more bytes than can be addressed" : "\(expected) bytes"
            throw CT2FormatError(reason: "\(subject) at byte \(sizeOffset) declares \(declared) bytes, but its byte "
                                     + "size must be \(needed) (shape \(shape) of \(dataType))")
        }
        let offset = cursor.position
        try cursor.skip(declared, "the data of " + subject)
        return CT2Entry(name: name, shape: shape, dataType: dataType, elementCount: elementCount, offset: offset)
    }

    /// Converts a count from the file into an `Int` after proving the bytes that follow could
    /// hold that many items of at least `itemSize` bytes, before anything loops or allocates.
    private static func checkedCount(_ count: UInt32, _ field: String, at offset: Int, itemSize: Int,
                                     available: Int) throws(CT2FormatError) -> Int {
        let capacity = max(available, 0) / itemSize
        guard Int(count) <= capacity else {
            throw CT2FormatError(reason: "the \(field) at byte \(offset) is \(count), more than the "
                                     + "\(max(available, 0)) bytes that follow can hold (at most \(capacity)): "
                                     + "the file is truncated or corrupt")
        }
        return Int(count)
    }

    private static func versionError(_ version: UInt32) -> CT2FormatError {
        let range = "\(supportedVersions.lowerBound) to \(supportedVersions.upperBound)"
        let hint: String
        if supportedVersions.contains(version.byteSwapped) {
            hint = "; the file looks big-endian, and CTranslate2 writes little-endian"
        } else if version >= 1, version < supportedVersions.lowerBound {
            hint = "; older versions store no data types, so convert the model again with a current CTranslate2"
        } else if version > supportedVersions.upperBound, version < 1000 {
            hint = "; it was written by a newer CTranslate2 than this reader knows"
        } else {
            hint = "; this is not a CTranslate2 model.bin"
        }
        return CT2FormatError(reason: "binary version \(version) is not supported (only \(range))" + hint)
    }

    /// A name in quotes with control characters escaped, so a reason always stays on one line.
    static func quoted(_ name: String) -> String {
        var text = "'"
        for scalar in name.unicodeScalars.prefix(200) {
            if scalar.value < 0x20 || scalar.value == 0x7F {
                text += scalar.escaped(asASCII: true)
            } else {
                text.unicodeScalars.append(scalar)
            }
        }
        return text + (name.unicodeScalars.count > 200 ? "…'" : "'")
    }
}
