#!/bin/sh
# Placeholder for PRISMA_SCHEMA_ENGINE_BINARY (set by prisma.config.ts when the
# native schema engine could not be downloaded). `prisma generate/validate/format`
# only need the variable to name an existing file; anything that really runs the
# engine (prisma migrate / prisma db) lands here.
echo "The native Prisma schema engine is not installed (offline machine)." >&2
echo "Use the offline migrator instead: npm run migrate -w prisma -- deploy|dev --name <n>|status|reset" >&2
exit 1
