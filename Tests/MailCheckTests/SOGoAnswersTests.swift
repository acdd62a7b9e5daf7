@testable import MailChecks
import Testing

/// The SOGo flow's readers of SOGo's answers, on answers as SOGo 5.8 gives them
/// (docs/sogo-notes.md §2) and on hostile ones: no stack needed.
@Suite struct SOGoAnswersTests {
    @Test func folderListKeepsPathsAndTellsVirtualFolders() {
        let text = #"{"mailboxes":[{"children":[],"flags":["hasnochildren"],"subscribed":0,"type":"inbox","sievePath":"INBOX","name":"INBOX","path":"INBOX"}, {"children":[],"flags":[],"subscribed":0,"type":"draft","sievePath":"Drafts","name":"Drafts","path":"Drafts"}, {"children":[{"children":[],"flags":["hasnochildren"],"type":"folder","name":"Swift","path":"Lists/Swift"}],"flags":["haschildren"],"type":"folder","name":"Lists","path":"Lists"}, {"children":[],"flags":["hasnochildren"],"type":"folder","name":"Say \"hi\"","path":"Say \"hi\""}]}"#
        #expect(SOGoAnswers.folders(text) == [
            .init(path: "INBOX", exists: true), .init(path: "Drafts", exists: false),
            .init(path: "Lists/Swift", exists: true), .init(path: "Lists", exists: true), .init(path: "Say \"hi\"", exists: true),
        ])
        #expect(SOGoAnswers.folders(#"{"mailboxes":[]}"#) == [])
        // A dead session answers 200 with the login page: not a folder list.
        #expect(SOGoAnswers.folders("<!DOCTYPE html><html ng-app=\"SOGo.MainUI\">") == nil)
        #expect(SOGoAnswers.folders(#"{"mailboxes":[{"flags":["x"],"path":"unterminated"#) == [.init(path: "unterminated", exists: true)])
    }

    @Test func messageCountsAndSOGosWords() {
        #expect(SOGoAnswers.messageCount(#"{"headers":[["To"]],"threaded":0,"unseenCount":3,"uids":[6, 4, 3]}"#) == 3)
        #expect(SOGoAnswers.messageCount(#"{"headers":[],"uids":[]}"#) == 0)
        #expect(SOGoAnswers.messageCount("<html>") == nil)
        #expect(SOGoAnswers.string("message", in: #"{"message":"An error occured while communicating with the mail server"}"#)
                == "An error occured while communicating with the mail server")
        #expect(SOGoAnswers.number("LDAPPasswordPolicyError", in: #"{"LDAPPasswordPolicyError":65535}"#) == 65535)
        #expect(SOGoAnswers.loginRefusal(65535) == "wrong user name or password")
        #expect(SOGoAnswers.loginRefusal(1) == "account locked")
    }

    @Test func cookiesJSONAndPaths() {
        let cookies = ["0xHIGHFLYxSOGo=basic%20abc%0Adef; path=/SOGo/; HttpOnly", "XSRF-TOKEN=c4cd61a9; path=/SOGo/", "SOGoLogin=; path=/SOGo/"]
        #expect(SOGoAnswers.cookie("0xHIGHFLYxSOGo", in: cookies) == "basic%20abc%0Adef")
        #expect(SOGoAnswers.cookie("XSRF-TOKEN", in: cookies) == "c4cd61a9")
        #expect(SOGoAnswers.cookie("missing", in: cookies) == nil)
        #expect(SOGoAnswers.jsonQuote("a\"b\\c\nd") == #""a\"b\\c\u000ad""#)
        #expect(SOGoAnswers.folderPath("Lists/Swift 6") == "folderLists/folderSwift%206")
        #expect(SOGoAnswers.folderPath("Entwürfe") == "folderEntw%C3%BCrfe")
        #expect(SOGoFlow.root(base: "http://127.0.0.1:20000/SOGo", loginPage: "http://127.0.0.1:20000/SOGo/") == "http://127.0.0.1:20000/SOGo/")
        #expect(SOGoFlow.root(base: "https://mail.example.net", loginPage: "https://mail.example.net/") == "https://mail.example.net/SOGo/")
        #expect(SOGoFlow.uid(in: "http://h/SOGo/so/bob/Mail/view", root: "http://h/SOGo/") == "bob")
        #expect(SOGoFlow.uid(in: "http://h/SOGo/so/bob%40example.test/Mail/view", root: "http://h/SOGo/") == "bob@example.test")
        #expect(SOGoFlow.uid(in: "http://h/SOGo/", root: "http://h/SOGo/") == nil)
        #expect("%zz%4".removingPercentEncodingIfAny == "%zz%4")
    }
}
