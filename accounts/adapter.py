from allauth.account.adapter import DefaultAccountAdapter


class AccountAdapter(DefaultAccountAdapter):
    def is_open_for_signup(self, request) -> bool:
        # A business's staff accounts are created by its owner/admin (Team) or by operators;
        # businesses themselves sign up on the platform's /signup/.
        return False
