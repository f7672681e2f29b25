from chatdb_tools.entry import main

main()
