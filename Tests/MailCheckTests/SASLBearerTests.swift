import Testing
@testable import MailTransport

/// The bearer-token SASL encodings: the XOAUTH2 initial response, and the reading of a
/// provider's error continuation, which comes from the server and must never trap.
struct SASLBearerTests {
    @Test func xoauth2InitialResponseIsBase64OfTheRFCForm() {
        let encoded = SASLBearer.xoauth2(user: "u@x", token: "t")
        #expect(encoded == "dXNlcj11QHgBYXV0aD1CZWFyZXIgdAEB")
        #expect(SASLBearer.decodeBase64(Substring(encoded)) == Array("user=u@x\u{1}auth=Bearer t\u{1}\u{1}".utf8))
    }

    @Test(arguments: ["", "f", "fo", "foo", "foob", "fooba", "foobar"])
    func base64RoundTrips(text: String) {
        #expect(SASLBearer.decodeBase64(Substring(SASLBearer.base64(Array(text.utf8)))) == Array(text.utf8))
    }

    @Test(arguments: ["not base64!", "ab\u{0}cd", "é"])
    func junkIsNotBase64(text: String) {
        #expect(SASLBearer.decodeBase64(Substring(text)) == nil)
    }

    @Test(arguments: [
        ("{\"status\":\"401\",\"schemes\":\"bearer\",\"scope\":\"mail\"}", "401"),
        ("{\"status\": \"400\"}", "400"),
        ("{\"status\":401}", "401"),
        ("{\"status\":\"99999999999999999999\"}", nil),
        ("{\"error\":\"x\"}", nil),
        ("\"status\"", nil),
        ("", nil),
    ] as [(String, String?)])
    func errorStatusIsReadWithoutTrapping(json: String, status: String?) {
        #expect(SASLBearer.errorStatus(json) == status)
    }
}
