#!/usr/bin/env bash
# sogo-defaults.sh DB_PASSWORD MAIL_DOMAIN: prints the private SOGo's GNUstep defaults (the
# "sogod" domain, OpenStep plist), written by sogo-private.sh to the run user's
# ~/GNUstep/Defaults/sogod.plist.
#
# sogod also reads /etc/sogo/sogo.conf (a path compiled in), but only as registered defaults,
# which the user's own defaults override key by key: so every key Debian's sogo.conf sets is
# set here too, and nothing of /etc leaks into the private instance.
set -euo pipefail
pw=$1 domain=$2
[[ $pw =~ ^[0-9a-f]+$ ]] || { echo "sogo-defaults: the database password must be hex" >&2; exit 2; }
db="postgresql://sogo:$pw@127.0.0.1:15432/sogo"
cat <<PLIST
{
  WOPort = "127.0.0.1:20000";
  WOWorkersCount = 3;
  SOGoProfileURL = "$db/sogo_user_profile";
  OCSFolderInfoURL = "$db/sogo_folder_info";
  OCSSessionsFolderURL = "$db/sogo_sessions_folder";
  OCSEMailAlarmsFolderURL = "$db/sogo_alarms_folder";
  SOGoMemcachedHost = "127.0.0.1:11311";
  SOGoUserSources = (
    {
      type = sql;
      id = users;
      viewURL = "$db/sogo_users";
      canAuthenticate = YES;
      isAddressBook = NO;
      userPasswordAlgorithm = crypt;
      LoginFieldNames = (c_uid, mail);
      IMAPLoginFieldName = c_imaplogin;
      IMAPHostFieldName = c_imaphost;
      displayName = "Test users";
    }
  );
  SOGoLanguage = English;
  SOGoTimeZone = UTC;
  SOGoMailDomain = "$domain";
  SOGoIMAPServer = "imap://127.0.0.1:10143";
  SOGoIMAPAclConformsToIMAPExt = YES;
  SOGoMailingMechanism = smtp;
  SOGoSMTPServer = "smtp://127.0.0.1:10587/?tls=YES";
  SOGoSMTPAuthenticationType = PLAIN;
  SOGoSieveServer = "sieve://127.0.0.1:4190";
  SOGoSieveScriptsEnabled = NO;
  SOGoVacationEnabled = NO;
  SOGoForwardEnabled = NO;
  SOGoMailAuxiliaryUserAccountsEnabled = NO;
  SOGoAppointmentSendEMailNotifications = NO;
  SOGoEnableEMailAlarms = NO;
  SOGoSentFolderName = Sent;
  SOGoTrashFolderName = Trash;
  SOGoDraftsFolderName = Drafts;
  SOGoFirstDayOfWeek = 0;
  SOGoMailMessageCheck = manually;
  SOGoPasswordChangeEnabled = NO;
  SOGoFailedLoginBlockInterval = 0;
  SOGoMaximumFailedLoginCount = 0;
  SOGoCacheCleanupInterval = 300;
}
PLIST
