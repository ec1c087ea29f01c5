# Sourced by ./tilewise, scripts/test and .ci/run: selects a JDK >= 25 and exports JAVA_HOME.
# Order: $JAVA_HOME if it is >= 25, then the newest JDK under /usr/lib/jvm (and /opt/java). Never the
# system default blindly: on these machines it is 17.

tilewise_jdk_major() {
  # Prints the major version of the JDK at $1, or nothing if it is not a JDK.
  [ -x "$1/bin/java" ] && [ -x "$1/bin/javac" ] || return 1
  "$1/bin/java" -XshowSettings:properties -version 2>&1 \
    | sed -n 's/^ *java\.specification\.version = \([0-9]*\).*/\1/p' | head -n 1
}

tilewise_select_jdk() {
  local min=25 candidate major best="" best_major=0
  if [ -n "${JAVA_HOME:-}" ]; then
    major=$(tilewise_jdk_major "$JAVA_HOME")
    if [ -n "$major" ] && [ "$major" -ge "$min" ]; then
      export JAVA_HOME
      return 0
    fi
  fi
  for candidate in /usr/lib/jvm/* /opt/java/* /opt/jdk*; do
    [ -d "$candidate" ] || continue
    major=$(tilewise_jdk_major "$candidate") || continue
    [ -n "$major" ] || continue
    if [ "$major" -ge "$min" ] && [ "$major" -gt "$best_major" ]; then
      best="$candidate"
      best_major="$major"
    fi
  done
  if [ -z "$best" ]; then
    echo "tilewise: no JDK >= $min found (JAVA_HOME=${JAVA_HOME:-unset}; searched /usr/lib/jvm, /opt/java)." >&2
    echo "tilewise: install one (e.g. Temurin 25) and set JAVA_HOME to it." >&2
    return 1
  fi
  export JAVA_HOME="$best"
}
