import CAlsa
import CMpg123
