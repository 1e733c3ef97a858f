@testable import BuddyProviders
import Foundation
import XCTest

/// Online = a default route through a real interface, read from the kernel's route tables.
final class NetworkStatusTests: XCTestCase {
    private let ipv4Header = "Iface\tDestination\tGateway \tFlags\tRefCnt\tUse\tMetric\tMask\t\tMTU\tWindow\tIRTT\n"

    func testAnIPv4DefaultRouteThroughEthernetIsOnline() {
        let table = ipv4Header + "eth0\t00000000\t010200C0\t0003\t0\t0\t0\t00000000\t0\t0\t0\n"
            + "eth0\t000200C0\t00000000\t0001\t0\t0\t0\t00FFFFFF\t0\t0\t0\n"
        XCTAssertTrue(RouteTableNetworkStatus.ipv4HasDefaultRoute(table))
    }

    func testOnlyALocalSubnetOrLoopbackIsOffline() {
        XCTAssertFalse(RouteTableNetworkStatus.ipv4HasDefaultRoute(ipv4Header))
        XCTAssertFalse(RouteTableNetworkStatus.ipv4HasDefaultRoute(
            ipv4Header + "eth0\t000200C0\t00000000\t0001\t0\t0\t0\t00FFFFFF\t0\t0\t0\n"))
        XCTAssertFalse(RouteTableNetworkStatus.ipv4HasDefaultRoute(
            ipv4Header + "lo\t00000000\t00000000\t0001\t0\t0\t0\t00000000\t0\t0\t0\n"))
        XCTAssertFalse(RouteTableNetworkStatus.ipv4HasDefaultRoute(
            ipv4Header + "eth0\t00000000\t010200C0\t0002\t0\t0\t0\t00000000\t0\t0\t0\n"), "a route that is not up")
    }

    func testIPv6DefaultRoutesCountButLoopbackRejectRoutesDoNot() {
        let zero = String(repeating: "0", count: 32)
        let up = "\(zero) 00 \(zero) 00 fd000000000000000000000000000001 00000400 00000003 00000000 00000003     eth0\n"
        let reject = "\(zero) 00 \(zero) 00 \(zero) ffffffff 00000001 00000000 00200200       lo\n"
        let host = "00000000000000000000000000000001 80 \(zero) 00 \(zero) 00000000 00000002 00000000 80200001       lo\n"
        XCTAssertTrue(RouteTableNetworkStatus.ipv6HasDefaultRoute(up + host))
        XCTAssertFalse(RouteTableNetworkStatus.ipv6HasDefaultRoute(reject + host))
    }

    func testMissingTablesMeanOffline() async {
        let status = RouteTableNetworkStatus(procNetDirectory: "/nonexistent")
        let online = await status.isOnline()
        XCTAssertFalse(online)
    }

    /// The real tables of a network namespace with no network: offline (this needs `unshare`,
    /// which the test machines have as root).
    func testANamespaceWithoutNetworkIsOffline() throws {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/unshare")
        process.arguments = ["-n", "cat", "/proc/net/route", "/proc/net/ipv6_route"]
        let pipe = Pipe()
        process.standardOutput = pipe
        try process.run()
        let output = String(decoding: pipe.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        process.waitUntilExit()
        XCTAssertEqual(process.terminationStatus, 0, "unshare -n must work here")
        XCTAssertFalse(RouteTableNetworkStatus.ipv4HasDefaultRoute(output))
        XCTAssertFalse(RouteTableNetworkStatus.ipv6HasDefaultRoute(output))
    }
}
