/bin/sh -c sleep${IFS}20
