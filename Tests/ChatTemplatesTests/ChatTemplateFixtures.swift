import Foundation

/// Inputs shared by the chat template tests: the protocol fixtures (copied from shared/fixtures/protocols
/// into Tests/Fixtures), the engine golden, and template texts as model files carry them.
enum ChatTemplateFixtures {
    static let repositoryRoot = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
    static let protocols = repositoryRoot.appendingPathComponent("Tests/Fixtures/protocols").standardizedFileURL
    static let golden = repositoryRoot
        .appendingPathComponent("Tests/Fixtures/golden/smollm2-135m-instruct-q4_1.json").standardizedFileURL

    static func text(_ name: String) throws -> String {
        try String(contentsOf: protocols.appendingPathComponent(name), encoding: .utf8)
    }

    /// `tokenizer.chat_template` of SmolLM2-135M-Instruct.Q4_1.gguf, verbatim (its `\n` are
    /// real newlines inside the template's string literals).
    static let smolLM2Template = """
        {% for message in messages %}{% if loop.first and messages[0]['role'] != 'system' %}{{ '<|im_start|>system
        You are a helpful AI assistant named SmolLM, trained by Hugging Face<|im_end|>
        ' }}{% endif %}{{'<|im_start|>' + message['role'] + '
        ' + message['content'] + '<|im_end|>' + '
        '}}{% endfor %}{% if add_generation_prompt %}{{ '<|im_start|>assistant
        ' }}{% endif %}
        """

    /// The system-message part of Qwen2.5-Instruct's template (abridged: the tool-call and
    /// message loop are cut). Its string literals use the `\n` escape, and the tools branch
    /// has system headers followed by code, which must not be taken for a default.
    static let qwen25TemplateAbridged = #"""
        {%- if tools %}
            {{- '<|im_start|>system\n' }}
            {%- if messages[0]['role'] == 'system' %}
                {{- messages[0]['content'] }}
            {%- else %}
                {{- 'You are Qwen, created by Alibaba Cloud. You are a helpful assistant.' }}
            {%- endif %}
            {{- "\n\n# Tools\n\nYou may call one or more functions to assist with the user query." }}
            {{- "<|im_end|>\n" }}
        {%- else %}
            {%- if messages[0]['role'] == 'system' %}
                {{- '<|im_start|>system\n' + messages[0]['content'] + '<|im_end|>\n' }}
            {%- else %}
                {{- '<|im_start|>system\nYou are Qwen, created by Alibaba Cloud. You are a helpful assistant.<|im_end|>\n' }}
            {%- endif %}
        {%- endif %}
        {%- for message in messages %}
            {{- '<|im_start|>' + message.role + '\n' + message.content + '<|im_end|>' + '\n' }}
        {%- endfor %}
        {%- if add_generation_prompt %}
            {{- '<|im_start|>assistant\n' }}
        {%- endif %}
        """#

    /// Gemma 3 IT's template (abridged: image items cut), as carried in model files.
    static let gemma3TemplateAbridged = #"""
        {{ bos_token }}
        {%- if messages[0]['role'] == 'system' -%}
            {%- set first_user_prefix = messages[0]['content'] + '\n\n' -%}
            {%- set loop_messages = messages[1:] -%}
        {%- else -%}
            {%- set first_user_prefix = "" -%}
            {%- set loop_messages = messages -%}
        {%- endif -%}
        {%- for message in loop_messages -%}
            {%- if (message['role'] == 'assistant') -%}{%- set role = "model" -%}{%- else -%}{%- set role = message['role'] -%}{%- endif -%}
            {{ '<start_of_turn>' + role + '\n' + (first_user_prefix if loop.first else "") }}
            {{ message['content'] | trim }}
            {{ '<end_of_turn>\n' }}
        {%- endfor -%}
        {%- if add_generation_prompt -%}{{'<start_of_turn>model\n'}}{%- endif -%}
        """#

    /// Llama 3.2 Instruct's template (abridged: the tool-calling branches cut).
    static let llama32TemplateAbridged = #"""
        {{- bos_token }}
        {%- if not date_string is defined %}{%- set date_string = "26 Jul 2024" %}{%- endif %}
        {%- if messages[0]['role'] == 'system' %}
            {%- set system_message = messages[0]['content']|trim %}
            {%- set messages = messages[1:] %}
        {%- else %}
            {%- set system_message = "" %}
        {%- endif %}
        {{- "<|start_header_id|>system<|end_header_id|>\n\n" }}
        {{- "Cutting Knowledge Date: December 2023\n" }}
        {{- "Today Date: " + date_string + "\n\n" }}
        {{- system_message }}
        {{- "<|eot_id|>" }}
        {%- for message in messages %}
            {{- '<|start_header_id|>' + message['role'] + '<|end_header_id|>\n\n'+ message['content'] | trim + '<|eot_id|>' }}
        {%- endfor %}
        {%- if add_generation_prompt %}{{- '<|start_header_id|>assistant<|end_header_id|>\n\n' }}{%- endif %}
        """#
}
