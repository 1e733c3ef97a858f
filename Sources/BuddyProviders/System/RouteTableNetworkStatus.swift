import BuddyCore
import Foundation

/// Online means: the kernel has a default route (IPv4 or IPv6) through an interface other than
/// loopback. Read from `/proc/net/route` and `/proc/net/ipv6_route` on every turn — a few
/// microseconds, no request, no waiting — so a cloud turn with the network unplugged fails at
/// once with the spoken nudge instead of hanging in a connect timeout as the original did.
///
/// It cannot see a captive portal or a dead upstream; those surface as a refused or broken
/// connection from the cloud client, which the turn reports the same way.
public struct RouteTableNetworkStatus: NetworkStatus {
    /// Where the route tables are (`/proc/net`; a test points it at fabricated tables).
    private let directory: String

    public init(procNetDirectory: String = "/proc/net") {
        directory = procNetDirectory
    }

    public func isOnline() async -> Bool { hasDefaultRoute() }

    public func hasDefaultRoute() -> Bool {
        Self.ipv4HasDefaultRoute(read("route")) || Self.ipv6HasDefaultRoute(read("ipv6_route"))
    }

    private func read(_ name: String) -> String {
        (try? String(contentsOfFile: directory + "/" + name, encoding: .utf8)) ?? ""
    }

    /// Columns: Iface Destination Gateway Flags …; destination 00000000 with RTF_UP (0x1).
    static func ipv4HasDefaultRoute(_ table: String) -> Bool {
        table.split(separator: "\n").dropFirst().contains { line in
            let fields = line.split(whereSeparator: { $0 == " " || $0 == "\t" })
            guard fields.count >= 4, fields[0] != "lo", fields[1] == "00000000",
                  let flags = UInt32(fields[3], radix: 16) else { return false }
            return flags & 0x1 != 0
        }
    }

    /// Columns: destination, prefix length, source, source prefix, next hop, metric, refcount,
    /// use, flags, interface; a ::/0 route that is up (RTF_UP) and not a reject route (0x200).
    static func ipv6HasDefaultRoute(_ table: String) -> Bool {
        table.split(separator: "\n").contains { line in
            let fields = line.split(separator: " ", omittingEmptySubsequences: true)
            guard fields.count >= 10, fields[9] != "lo", fields[1] == "00",
                  fields[0].allSatisfy({ $0 == "0" }),
                  let flags = UInt32(fields[8], radix: 16) else { return false }
            return flags & 0x1 != 0 && flags & 0x200 == 0
        }
    }
}
