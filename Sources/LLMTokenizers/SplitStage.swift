/// One pre-tokenizer expression. `split` refines segments (given by their end indices into the
/// scalars) into smaller ones; the text between an expression's matches is kept as a segment,
/// so the segments always cover the whole text.
enum SplitStage {
    /// `\p{N}`: every number scalar becomes a segment of its own.
    case isolateNumbers
    /// `'s|'t|'re|'ve|'m|'ll|'d| ?\p{L}+| ?\p{N}+| ?[^\s\p{L}\p{N}]+|\s+(?!\S)`
    case gpt2Words
    /// `(?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\r\n\p{L}\p{N}]?\p{L}+|\p{N}{1,3}| ?[^\s\p{L}\p{N}]+[\r\n]*|\s*[\r\n]+|\s+(?!\S)|\s+`
    /// (Llama 3); Qwen 2 is the same with `\p{N}` in place of `\p{N}{1,3}`.
    case llama3Words(maximumDigits: Int)

    func split(_ text: ScalarText, segmentEnds: [Int]) -> [Int] {
        var ends: [Int] = []
        ends.reserveCapacity(text.count)
        var start = 0
        for end in segmentEnds {
            switch self {
            case .isolateNumbers: Self.isolateNumbers(text, start..<end, into: &ends)
            case .gpt2Words: Self.gpt2Words(text, start..<end, into: &ends)
            case .llama3Words(let maximumDigits): Self.llama3Words(text, start..<end, maximumDigits: maximumDigits, into: &ends)
            }
            start = end
        }
        return ends
    }

    private static func isolateNumbers(_ text: ScalarText, _ segment: Range<Int>, into ends: inout [Int]) {
        for index in segment where text.classes[index] == .number {
            if index > segment.lowerBound, ends.last != index { ends.append(index) }
            ends.append(index + 1)
        }
        if ends.last != segment.upperBound, !segment.isEmpty { ends.append(segment.upperBound) }
    }

    /// The GPT-2 expression as llama.cpp evaluates it: alternatives tried in order at each
    /// position, each match ending a word. Matching never looks past the segment's end.
    private static func gpt2Words(_ text: ScalarText, _ segment: Range<Int>, into ends: inout [Int]) {
        let scalars = text.scalars
        let classes = text.classes
        let end = segment.upperBound
        var position = segment.lowerBound
        while position < end {
            let scalar = scalars[position]

            // 's 't 're 've 'm 'll 'd — lowercase only: "IT'S" splits as "IT" "'" "S".
            if scalar == "'", position + 1 < end {
                let next = scalars[position + 1]
                if next == "s" || next == "t" || next == "m" || next == "d" {
                    position += 2
                    ends.append(position)
                    continue
                }
                if position + 2 < end {
                    let pair = (next, scalars[position + 2])
                    if pair == ("r", "e") || pair == ("v", "e") || pair == ("l", "l") {
                        position += 3
                        ends.append(position)
                        continue
                    }
                }
            }

            // ` ?\p{L}+`, ` ?\p{N}+`, ` ?[^\s\p{L}\p{N}]+`: a run of one class, after at most one
            // plain space (not a tab or newline).
            let runStart = scalar == " " ? position + 1 : position
            if runStart < end, classes[runStart] != .whitespace {
                let runClass = classes[runStart]
                position = runStart + 1
                while position < end, classes[position] == runClass { position += 1 }
                ends.append(position)
                continue
            }

            // `\s+(?!\S)`: a whitespace run, less its last scalar when a non-space follows, so
            // that scalar (if a plain space) can lead the next word. At the segment's end the
            // whole run is one word, as it is for a single whitespace scalar.
            var count = 0
            while position + count < end, classes[position + count] == .whitespace { count += 1 }
            if count > 1, position + count < end {
                position += count - 1
            } else {
                position += max(count, 1)
            }
            ends.append(position)
        }
    }
}
