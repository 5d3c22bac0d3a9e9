import Testing

@testable import CampaignWeb

@Suite struct ClientAddressTests {
    let proxies = ClientAddress(trustedProxies: ["10.0.0.0/8", "2001:db8:1::/48"].compactMap(CIDR.init))

    @Test func thePeerIsTheVisitorWhenItIsNotATrustedProxy() {
        #expect(proxies.resolve(peer: IPAddress("198.51.100.4"), forwardedFor: ["203.0.113.7"]) == IPAddress("198.51.100.4"))
    }

    @Test func aTrustedProxysRightMostUntrustedHopIsTheVisitor() {
        #expect(proxies.resolve(peer: IPAddress("10.0.0.2"), forwardedFor: ["1.1.1.1, 203.0.113.7, 10.0.0.9"]) == IPAddress("203.0.113.7"))
        #expect(proxies.resolve(peer: IPAddress("10.0.0.2"), forwardedFor: ["1.1.1.1", "203.0.113.8"]) == IPAddress("203.0.113.8"))
    }

    @Test func aTrustedProxyWithoutTheHeaderIsTheVisitor() {
        #expect(proxies.resolve(peer: IPAddress("10.0.0.2"), forwardedFor: []) == IPAddress("10.0.0.2"))
    }

    @Test func aHopThatIsNotAnAddressStopsTheWalk() {
        #expect(proxies.resolve(peer: IPAddress("10.0.0.2"), forwardedFor: ["203.0.113.7, garbage, 10.0.0.3"]) == IPAddress("10.0.0.3"))
    }

    @Test func ipv6AndMappedAddressesMatch() {
        #expect(proxies.resolve(peer: IPAddress("2001:db8:1::5"), forwardedFor: ["2001:db8:2::7"]) == IPAddress("2001:db8:2::7"))
        #expect(proxies.resolve(peer: IPAddress("::ffff:10.1.2.3"), forwardedFor: ["203.0.113.7"]) == IPAddress("203.0.113.7"))
        #expect(IPAddress("::ffff:10.1.2.3")?.description == "10.1.2.3")
        #expect(IPAddress("2001:DB8::1")?.description == "2001:db8::1")
    }

    @Test func unixPeersAreTrustedOnlyWhenSaid() {
        #expect(proxies.resolve(peer: nil, forwardedFor: ["203.0.113.7"]) == nil)
        let unix = ClientAddress(trustedProxies: [], trustsUnixPeers: true)
        #expect(unix.resolve(peer: nil, forwardedFor: ["203.0.113.7"]) == IPAddress("203.0.113.7"))
    }

    @Test func cidrsParseAndContain() {
        #expect(CIDR("10.0.0.0/33") == nil)
        #expect(CIDR("nonsense") == nil)
        #expect(CIDR("192.168.1.0/24")?.contains(IPAddress("192.168.1.200")!) == true)
        #expect(CIDR("192.168.1.0/24")?.contains(IPAddress("192.168.2.1")!) == false)
        #expect(CIDR("0.0.0.0/0")?.contains(IPAddress("8.8.8.8")!) == true)
        #expect(CIDR("127.0.0.1")?.contains(IPAddress("127.0.0.2")!) == false)
    }
}
