extension StringProtocol {
    /// The string without leading and trailing whitespace (Unicode whitespace, newlines
    /// included), without Foundation.
    var trimmingWhitespace: String {
        var s = Substring(self)
        while let c = s.first, c.isWhitespace { s.removeFirst() }
        while let c = s.last, c.isWhitespace { s.removeLast() }
        return String(s)
    }
}
