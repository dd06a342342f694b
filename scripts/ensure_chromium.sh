#!/usr/bin/env bash
# Makes Debian's Chromium available to the browser tests (tests/browser), which drive it through
# Playwright. Browser downloads (`playwright install`) are never used: the tests launch the system
# binary, /usr/bin/chromium or $CHROMIUM_PATH.
# - already there: says so;
# - missing and running as root (CI on a fresh machine): apt-get install chromium;
# - missing otherwise: prints how to install it.
# Never fails the build by itself (exit 0): with FORUM_REQUIRE_BROWSER=1 the tests fail when the
# browser is missing; without it they are skipped with a message.
set -u

path="${CHROMIUM_PATH:-/usr/bin/chromium}"
if [ -x "$path" ]; then
  echo "chromium : présent ($path)"
  exit 0
fi
if [ "$(id -u)" -eq 0 ] && command -v apt-get >/dev/null 2>&1; then
  echo "chromium : absent, installation du paquet Debian chromium (apt-get)…"
  if DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends chromium \
     || { apt-get update -q && DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends chromium; }; then
    echo "chromium : installé ($(command -v chromium || echo "$path"))"
  else
    echo "chromium : l'installation a échoué ; les tests navigateur seront ignorés" \
         "(ou échoueront si FORUM_REQUIRE_BROWSER=1)." >&2
  fi
  exit 0
fi
cat >&2 <<MSG
chromium : absent ($path). Les tests navigateur (tests/browser) seront ignorés.
Pour les lancer, installez le Chromium de Debian :  sudo apt-get install chromium
ou indiquez un autre binaire :                    export CHROMIUM_PATH=/chemin/vers/chromium
(Ne lancez pas « playwright install » : les tests utilisent le navigateur du système.)
MSG
exit 0
