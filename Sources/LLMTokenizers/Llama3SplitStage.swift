extension SplitStage {
    /// The Llama 3 / Qwen 2 expression as llama.cpp evaluates it (its hand-written matcher for
    /// these expressions): alternatives tried in order at each position, each match ending a
    /// word, never looking past the segment's end.
    static func llama3Words(_ text: ScalarText, _ segment: Range<Int>, maximumDigits: Int, into ends: inout [Int]) {
        let scalars = text.scalars
        let classes = text.classes
        let end = segment.upperBound
        func isLetter(_ index: Int) -> Bool { index < end && classes[index] == .letter }
        func isLineBreak(_ index: Int) -> Bool { index < end && (scalars[index] == "\r" || scalars[index] == "\n") }
        var position = segment.lowerBound
        while position < end {
            let scalar = scalars[position]
            let scalarClass = classes[position]

            // (?i:'s|'t|'re|'ve|'m|'ll|'d): ASCII letters in either case.
            if scalar == "'", position + 1 < end {
                let next = Self.asciiLowercase(scalars[position + 1])
                if next == "s" || next == "t" || next == "m" || next == "d" {
                    position += 2
                    ends.append(position)
                    continue
                }
                if position + 2 < end {
                    let pair = (next, Self.asciiLowercase(scalars[position + 2]))
                    if pair == ("r", "e") || pair == ("v", "e") || pair == ("l", "l") {
                        position += 3
                        ends.append(position)
                        continue
                    }
                }
            }

            // [^\r\n\p{L}\p{N}]?\p{L}+: one optional leading scalar (a space, tab, punctuation…).
            if !isLineBreak(position), scalarClass != .number, scalarClass == .letter || isLetter(position + 1) {
                position += 1
                while isLetter(position) { position += 1 }
                ends.append(position)
                continue
            }

            // \p{N}{1,3} (Qwen 2: \p{N}): digit runs cut into groups of at most `maximumDigits`.
            if scalarClass == .number {
                var run = 0
                while position < end, classes[position] == .number, run < maximumDigits {
                    position += 1
                    run += 1
                }
                ends.append(position)
                continue
            }

            // ` ?[^\s\p{L}\p{N}]+[\r\n]*`
            let symbolStart = scalar == " " ? position + 1 : position
            if symbolStart < end, classes[symbolStart] == .other {
                position = symbolStart
                while position < end, classes[position] == .other { position += 1 }
                while isLineBreak(position) { position += 1 }
                ends.append(position)
                continue
            }

            // \s*[\r\n]+ | \s+(?!\S) | \s+
            var count = 0
            var afterLastLineBreak = 0
            while position + count < end, classes[position + count] == .whitespace {
                if isLineBreak(position + count) { afterLastLineBreak = position + count + 1 }
                count += 1
            }
            if afterLastLineBreak > 0 {
                position = afterLastLineBreak
            } else if count > 1, position + count < end {
                position += count - 1
            } else {
                position += max(count, 1)
            }
            ends.append(position)
        }
    }

    @inline(__always)
    private static func asciiLowercase(_ scalar: Unicode.Scalar) -> Unicode.Scalar {
        ("A"..."Z").contains(scalar) ? Unicode.Scalar(UInt8(truncatingIfNeeded: scalar.value) &+ 32) : scalar
    }
}
