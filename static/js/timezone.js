/*
 * Tells the server the browser's timezone, so times can be shown in the viewer's zone
 * for visitors who have not chosen one in their preferences. Progressive enhancement:
 * without JavaScript the site falls back to its default zone; nothing is reloaded, the
 * next page simply uses the new zone.
 */
(function () {
  "use strict";

  var COOKIE = "lms_tz";
  var ONE_YEAR = 60 * 60 * 24 * 365;

  var zone;
  try {
    zone = Intl.DateTimeFormat().resolvedOptions().timeZone;
  } catch (error) {
    return;
  }
  // IANA names only ("Europe/Amsterdam", "Etc/GMT+5"). The server reads the cookie
  // verbatim (no URL-decoding), so never write anything that would need escaping.
  if (!zone || !/^[A-Za-z0-9_+\-\/]{1,64}$/.test(zone)) {
    return;
  }

  var current = null;
  var pairs = document.cookie ? document.cookie.split("; ") : [];
  for (var i = 0; i < pairs.length; i++) {
    var eq = pairs[i].indexOf("=");
    if (pairs[i].slice(0, eq) === COOKIE) {
      current = pairs[i].slice(eq + 1);
      break;
    }
  }
  if (current === zone) {
    return;
  }

  var secure = window.location.protocol === "https:" ? "; Secure" : "";
  document.cookie =
    COOKIE + "=" + zone + "; Path=/; Max-Age=" + ONE_YEAR + "; SameSite=Lax" + secure;
})();
