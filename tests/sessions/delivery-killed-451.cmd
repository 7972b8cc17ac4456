/bin/sh -c kill${IFS}-TERM${IFS}$$ %F
