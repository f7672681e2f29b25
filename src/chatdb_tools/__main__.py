from chatdb_tools.cli import main

main()
